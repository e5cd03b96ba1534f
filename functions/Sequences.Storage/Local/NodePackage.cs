using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Sequences.Storage.Local;

/// <summary>
/// Installs a pinned npm package set (package.json + package-lock.json) once per machine into a
/// folder named by the lock file's hash, with <c>npm ci</c>. Several processes may ask at once
/// (parallel test assemblies): a lock file serialises the install.
/// </summary>
public static class NodePackage
{
    /// <summary>Where tools are installed unless told otherwise: ~/.local/share/Sequences/tools on Linux.</summary>
    public static string DefaultToolsDirectory =>
        Environment.GetEnvironmentVariable("SEQUENCES_TOOLS_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "Sequences", "tools");

    /// <summary>Installs the package set <paramref name="name"/> (package.json and lock from <paramref name="manifests"/>) and returns its folder.</summary>
    public static async Task<string> EnsureInstalledAsync(
        string name, Assembly manifests, string toolsDirectory, Action<string>? log, CancellationToken cancellationToken)
    {
        var packageJson = ReadResource(manifests, $"{name}/package.json");
        var packageLock = ReadResource(manifests, $"{name}/package-lock.json");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(packageJson + "\n" + packageLock)))[..12];
        var dir = Path.Combine(toolsDirectory, $"{name}-{hash}");
        var marker = Path.Combine(dir, ".installed");
        if (File.Exists(marker))
        {
            return dir;
        }

        Directory.CreateDirectory(toolsDirectory);
        await using var installLock = await AcquireLockAsync(Path.Combine(toolsDirectory, $"{name}.lock"), cancellationToken);
        if (File.Exists(marker))
        {
            return dir;
        }

        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "package.json"), packageJson, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "package-lock.json"), packageLock, cancellationToken);
        log?.Invoke($"Installing {name} with npm into {dir} (first run only)...");
        var (exit, output) = await RunAsync(NpmExecutable, ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], dir, TimeSpan.FromMinutes(10), cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"'npm ci' for {name} failed with exit code {exit} in {dir}:\n{output}");
        }

        await File.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O"), cancellationToken);
        return dir;
    }

    public static string NodeExecutable => OperatingSystem.IsWindows() ? "node.exe" : "node";

    private static string NpmExecutable => OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>Fails with a clear message when Node.js is not installed.</summary>
    public static async Task EnsureNodeAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (exit, _) = await RunAsync(NodeExecutable, ["--version"], Environment.CurrentDirectory, TimeSpan.FromSeconds(30), cancellationToken);
            if (exit == 0)
            {
                return;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        throw new InvalidOperationException(
            "Node.js was not found on PATH. It is needed to run a local Azurite (the storage emulator). " +
            "Install Node.js 20 or later, or set AzureWebJobsStorage to a storage account connection string.");
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing from {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(15);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
