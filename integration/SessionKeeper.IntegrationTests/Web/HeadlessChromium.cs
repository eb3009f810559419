using System.Diagnostics;
using System.Text.Json.Nodes;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Web;

/// <summary>
/// Debian's chromium, headless, with a throwaway profile, driven over the DevTools protocol: it
/// picks its own debugging port (--remote-debugging-port=0) and writes it to DevToolsActivePort
/// in the profile, which is read here. One page (tab) per instance.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;

    private HeadlessChromium(Process process, string profile, Cdp page)
    {
        (_process, _profile, Page) = (process, profile, page);
    }

    public static string? Executable => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public Cdp Page { get; }

    public static async Task<HeadlessChromium> StartAsync(CancellationToken ct)
    {
        var profile = Directory.CreateTempSubdirectory("sk-chromium-").FullName;
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium)."))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        // --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
        foreach (var arg in (string[])["--headless=new", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", $"--user-data-dir={profile}", "--no-sandbox",
            "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--metrics-recording-only", "--hide-scrollbars", "about:blank"])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            var lines = await Poll.ObjectAsync(
                () => File.Exists(portFile) && File.ReadAllLines(portFile) is { Length: >= 2 } l ? l : null,
                TimeSpan.FromSeconds(60),
                "chromium to write DevToolsActivePort",
                ct);
            var port = int.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture);
            string targetId;
            await using (var browser = await Cdp.ConnectAsync(new Uri($"ws://127.0.0.1:{port}{lines[1]}"), ct))
            {
                var created = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, ct);
                targetId = created.GetProperty("targetId").GetString()!;
            }

            var page = await Cdp.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/devtools/page/{targetId}"), ct);
            await page.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1100, ["height"] = 760, ["deviceScaleFactor"] = 1, ["mobile"] = false }, ct);
            return new HeadlessChromium(process, profile, page);
        }
        catch
        {
            Stop(process, profile);
            throw;
        }
    }

    /// <summary>Navigates and waits for the new document to be the one shown (its URL, then readyState complete).</summary>
    public async Task NavigateAsync(string url, CancellationToken ct)
    {
        await Page.SendAsync("Page.navigate", new JsonObject { ["url"] = url }, ct);
        await UntilAsync("document.readyState === 'complete' && location.href !== 'about:blank'", TimeSpan.FromSeconds(30), $"{url} to load", ct);
    }

    /// <summary>Polls a boolean expression in the page until it is true.</summary>
    public async Task UntilAsync(string expression, TimeSpan timeout, string description, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await Page.EvaluateAsync(expression, ct);
            if (value.ValueKind == System.Text.Json.JsonValueKind.True)
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {description} ({expression}).");
            }

            await Task.Delay(Poll.DefaultInterval * 10, ct);
        }
    }

    public async Task<byte[]> ScreenshotAsync(CancellationToken ct)
    {
        var shot = await Page.SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, ct);
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await Page.DisposeAsync();
        Stop(_process, _profile);
    }

    /// <summary>Ends the chromium we started (its process tree, by our child's pid) and removes its profile.</summary>
    private static void Stop(Process process, string profile)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
