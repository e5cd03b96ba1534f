namespace Sequences.Core.Scheduling;

/// <summary>IANA time-zone lookup. Windows ids are refused: the API speaks IANA.</summary>
public static class TimeZones
{
    public static bool TryFind(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        if (id is "UTC" or "Etc/UTC")
        {
            return true;
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) || found is null)
        {
            return false;
        }

        // .NET also accepts Windows ids ("Eastern Standard Time"); the API promises IANA ids only.
        if (!found.HasIanaId)
        {
            return false;
        }

        zone = found;
        return true;
    }

    public static TimeZoneInfo FindOrUtc(string? id) => TryFind(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
