namespace Sequences.Core.Engine;

/// <summary>
/// Id formats. Ids are 26-character, time-ordered, lower-case Crockford base32 (a UUIDv7's 128
/// bits). An enrollment id is its sequence's id, a dash, and its own: enrollments are stored in
/// their sequence's partition, so an enrollment is found from its id alone with one point read
/// and no lookup table.
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string FromGuid(Guid guid)
    {
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        var chars = new char[26];
        // 128 bits → 26 base32 digits (the first carries 3 bits).
        var value = new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }

    public static string Enrollment(string sequenceId, string uniqueId) => $"{sequenceId}-{uniqueId}";

    /// <summary>The sequence an enrollment id belongs to.</summary>
    public static bool TrySequenceOf(string? enrollmentId, out string sequenceId)
    {
        sequenceId = "";
        var dash = enrollmentId?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (dash <= 0 || dash == enrollmentId!.Length - 1)
        {
            return false;
        }

        sequenceId = enrollmentId[..dash];
        return true;
    }
}
