using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SessionKeeper.IntegrationTests.Fleet;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Web;

/// <summary>
/// `daemon --web`: the read-only view, in a real headless chromium driven over the DevTools
/// protocol, against jobs on a real sshd (ssh_config aliases of its own FleetHost's sshd). The
/// daemon supervises the jobs; the page reads what it journals and mirrors.
/// </summary>
public sealed class WebViewTests(FleetHost host, ITestOutputHelper output) : IClassFixture<FleetHost>
{
    private const string UrlPrefix = "sessionkeeper: web view: ";

    /// <summary>Generous: the machine is shared and busy; nothing here passes or fails on time.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [SkippableFact(Timeout = 180_000)]
    public async Task The_page_loads_with_the_token_and_every_request_without_it_gets_401()
    {
        RequireChromium();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(170));
        await using var lab = host.NewLab("webtoken");
        await using var daemon = lab.Start(["daemon", "--poll", "200ms", "--web", "127.0.0.1:0"]);
        var (origin, token) = await WebUrlAsync(daemon);

        // Stored 0600 in the state directory, the same token as printed.
        var tokenFile = Path.Combine(lab.StateDir, "web.token");
        Assert.Equal(token + "\n", await File.ReadAllTextAsync(tokenFile, cancel.Token));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));

        using var http = new HttpClient(new HttpClientHandler { UseCookies = false });
        foreach (var path in new[] { "/", "/app.js", "/app.css", "/api/overview", "/api/batches/x", "/api/jobs/x", "/api/jobs/x/tail" })
        {
            foreach (var (label, request) in new (string, HttpRequestMessage)[]
            {
                ("no token", new(HttpMethod.Get, origin + path)),
                ("a wrong token in the URL", new(HttpMethod.Get, origin + path + "?token=" + token[..^1] + "x")),
                ("a wrong bearer token", new(HttpMethod.Get, origin + path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "nope") } }),
                ("a wrong cookie", new(HttpMethod.Get, origin + path) { Headers = { { "Cookie", $"sessionkeeper_token_{new Uri(origin).Port}=nope" } } }),
            })
            {
                using var response = await http.SendAsync(request, cancel.Token);
                var body = await response.Content.ReadAsStringAsync(cancel.Token);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path} with {label}: {(int)response.StatusCode} {body}");
                Assert.StartsWith("401 unauthorized: this needs the web view's token", body, StringComparison.Ordinal);
                Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        // With the token: the JSON answers; an unknown job's event stream is a 404, past the check.
        using (var overview = await http.SendAsync(Bearer(HttpMethod.Get, origin + "/api/overview", token), cancel.Token))
        {
            Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
            Assert.Equal("application/json", overview.Content.Headers.ContentType?.MediaType);
        }

        using (var tail = await http.SendAsync(Bearer(HttpMethod.Get, origin + "/api/jobs/nosuchjob/tail", token), cancel.Token))
        {
            Assert.Equal(HttpStatusCode.NotFound, tail.StatusCode);
        }

        // No write actions: other methods are refused even with the token.
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete })
        {
            using var write = await http.SendAsync(Bearer(method, origin + "/api/overview", token), cancel.Token);
            Assert.True(write.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method}: {(int)write.StatusCode}");
        }

        // Bad input, each in one line with exit 251: a port already taken (this daemon's), an
        // address that is not loopback without the flag that means it.
        var port = new Uri(origin).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var taken = await lab.RunAsync(["--state-dir", Path.Combine(lab.StateDir, "second"), "daemon", "--web", $"127.0.0.1:{port}"]);
        Assert.True(taken.ExitCode == 251, taken.ToString());
        Assert.Equal($"sessionkeeper: --web 127.0.0.1:{port}: cannot listen there (Address already in use); pick another port or address.\n", taken.Stderr);
        Assert.Equal(token + "\n", await File.ReadAllTextAsync(tokenFile, cancel.Token)); // the running daemon's token is untouched
        var remote = await lab.RunAsync(["daemon", "--web", "0.0.0.0:0"]);
        Assert.True(remote.ExitCode == 251, remote.ToString());
        Assert.Contains("add --web-allow-remote to mean it", remote.Stderr, StringComparison.Ordinal);

        await using var browser = await HeadlessChromium.StartAsync(cancel.Token);
        // Without the token the browser gets the one-line refusal, and no page.
        await browser.NavigateAsync(origin + "/", cancel.Token);
        var refused = (await browser.Page.EvaluateAsync("document.body.innerText", cancel.Token)).GetString();
        Assert.StartsWith("401 unauthorized", refused, StringComparison.Ordinal);
        Assert.False((await browser.Page.EvaluateAsync("!!document.getElementById('main')", cancel.Token)).GetBoolean());

        // With it, the page renders; the token leaves the address bar; its own requests carry the
        // cookie the first load set (fetch and EventSource cannot add a header).
        await browser.NavigateAsync($"{origin}/?token={token}", cancel.Token);
        await browser.UntilAsync("document.querySelector('#main h1')?.textContent === 'Batches'", Deadline, "the front page", cancel.Token);
        Assert.Equal(origin + "/", (await browser.Page.EvaluateAsync("location.href", cancel.Token)).GetString());
        Assert.Equal(200, (await browser.Page.EvaluateAsync("fetch('/api/overview').then(r => r.status)", cancel.Token)).GetInt32());
        Assert.Equal(401, (await browser.Page.EvaluateAsync("fetch('/api/overview', { credentials: 'omit' }).then(r => r.status)", cancel.Token)).GetInt32());
        await StopAsync(daemon);
    }

    [SkippableFact(Timeout = 400_000)]
    public async Task A_sixty_host_grid_counts_hosts_per_state_while_they_run_and_after()
    {
        RequireChromium();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(390));
        await using var lab = host.NewLab("webgrid");
        var config = lab.Aliases(60);
        var release = Path.Combine(lab.CounterDir, "release");
        // h1-h20 succeed, h21-h30 fail (exit 3), h31-h60 run until the test releases them.
        var command = "n=${SESSIONKEEPER_JOB_ID##*-}; n=${n#0}; " +
            "if [ \"$n\" -le 20 ]; then echo ok; exit 0; elif [ \"$n\" -le 30 ]; then echo failing; exit 3; fi; " +
            $"while [ ! -e '{release}' ]; do sleep 0.2; done; echo released";
        await using var daemon = lab.Start(["daemon", "--poll", "200ms", "--web", "127.0.0.1:0", .. FleetLab.Fast]);
        var (origin, token) = await WebUrlAsync(daemon);
        var launched = await lab.RunAsync(lab.RunArguments(command, [.. config, "--detach", .. FleetLab.Fast], "h[1-60]"), TimeSpan.FromSeconds(180));
        Assert.True(launched.ExitCode == 0, launched.ToString());

        await using var browser = await HeadlessChromium.StartAsync(cancel.Token);
        await browser.NavigateAsync($"{origin}/?token={token}#/batch/{lab.BatchId}", cancel.Token);
        var running = new Dictionary<string, int> { ["failed"] = 10, ["ok"] = 20, ["running"] = 30 };
        try
        {
            await UntilCountsAsync(browser, running, "20 ok, 10 failed, 30 running", cancel.Token);
        }
        catch
        {
            output.WriteLine($"the launch: {launched}");
            output.WriteLine($"the daemon so far: {daemon.StderrText}");
            output.WriteLine($"jobs --json: {(await lab.RunAsync(["jobs", "--json"])).StdoutText}");
            throw;
        }

        // The same counts `batch status` gives now (the held hosts cannot move until released).
        var status = await lab.BatchStatusAsync();
        Assert.Equal(running, status.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()));
        // Cells in natural order, named by alias, coloured by their state.
        var hosts = await browser.Page.EvaluateAsync("[...document.querySelectorAll('#grid .cell')].map(c => c.dataset.host + '=' + c.dataset.state)", cancel.Token);
        Assert.Equal(
            Enumerable.Range(1, 60).Select(n => $"h{n}=" + (n <= 20 ? "ok" : n <= 30 ? "failed" : "running")),
            hosts.EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("rgb(207, 34, 46)", (await browser.Page.EvaluateAsync("getComputedStyle(document.querySelector('#grid .cell[data-host=h21]')).backgroundColor", cancel.Token)).GetString());

        var screenshot = await browser.ScreenshotAsync(cancel.Token);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], screenshot[..4]);
        var shotPath = Environment.GetEnvironmentVariable("SESSIONKEEPER_WEB_SCREENSHOT") ?? Path.Combine(lab.StateDir, "web-grid.png");
        await File.WriteAllBytesAsync(shotPath, screenshot, cancel.Token);
        output.WriteLine($"screenshot: {shotPath} ({screenshot.Length} bytes)");

        await File.WriteAllTextAsync(release, "", cancel.Token);
        await UntilCountsAsync(browser, new() { ["failed"] = 10, ["ok"] = 50 }, "50 ok, 10 failed", cancel.Token);
        await StopAsync(daemon);
    }

    [SkippableFact(Timeout = 240_000)]
    public async Task A_jobs_tail_grows_as_it_writes_and_shows_markup_and_escapes_as_text()
    {
        RequireChromium();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(230));
        await using var lab = host.NewLab("webtail");
        var config = lab.Aliases(1);
        var (request, stop) = (Path.Combine(lab.CounterDir, "write"), Path.Combine(lab.CounterDir, "stop"));
        // First a line a browser would take for markup, with an escape sequence, a carriage return and
        // a byte that is not UTF-8; then one marker line each time the test asks for one.
        var command = "printf '<img src=x onerror=\"document.title=1\">\\033[31mred\\377\\r\\n'; k=1; " +
            $"while [ ! -e '{stop}' ]; do if [ -e '{request}.'$k ]; then echo \"marker $k\"; k=$((k+1)); fi; sleep 0.1; done; echo bye";
        await using var daemon = lab.Start(["daemon", "--poll", "200ms", "--web", "127.0.0.1:0", .. FleetLab.Fast]);
        var (origin, token) = await WebUrlAsync(daemon);
        var launched = await lab.RunAsync(lab.RunArguments(command, [.. config, "--detach", .. FleetLab.Fast], "h1"));
        Assert.True(launched.ExitCode == 0, launched.ToString());
        var job = Assert.Single(await lab.JournalAsync()).Id;

        await using var browser = await HeadlessChromium.StartAsync(cancel.Token);
        await browser.NavigateAsync($"{origin}/?token={token}#/job/{job}", cancel.Token);
        const string Shown = "<img src=x onerror=\"document.title=1\">\\e[31mred\\xff\\r\n";
        await UntilTailAsync(browser, $"tail.startsWith({JsonSerializer.Serialize(Shown)})", "the first line, escaped", cancel.Token);
        Assert.Equal(0, (await browser.Page.EvaluateAsync("document.querySelectorAll('img').length", cancel.Token)).GetInt32());
        Assert.NotEqual("1", (await browser.Page.EvaluateAsync("document.title", cancel.Token)).GetString());

        // Each marker appears after the test asks for it, below what was there: the tail grows live.
        for (var k = 1; k <= 3; k++)
        {
            Assert.DoesNotContain($"marker {k}", await TailAsync(browser, cancel.Token), StringComparison.Ordinal);
            await File.WriteAllTextAsync($"{request}.{k}", "", cancel.Token);
            await UntilTailAsync(browser, $"tail.includes('marker {k}\\n')", $"marker {k}", cancel.Token);
        }

        Assert.Equal(Shown + "marker 1\nmarker 2\nmarker 3\n", await TailAsync(browser, cancel.Token));
        await File.WriteAllTextAsync(stop, "", cancel.Token);
        await browser.UntilAsync("document.getElementById('tail')?.dataset.ended === 'yes'", Deadline, "the end event", cancel.Token);
        Assert.EndsWith("marker 3\nbye\n", await TailAsync(browser, cancel.Token), StringComparison.Ordinal);
        await browser.UntilAsync("document.querySelector('[data-field=state]')?.textContent === 'exited'", Deadline, "the job shown exited", cancel.Token);
        Assert.Equal("0", (await browser.Page.EvaluateAsync("document.querySelector('[data-field=exit]').textContent", cancel.Token)).GetString());
        await StopAsync(daemon);
    }

    private static void RequireChromium() =>
        Prerequisite.Require(HeadlessChromium.Executable is not null, "chromium is not installed (apt-get install chromium; scripts/test.sh does)");

    private static HttpRequestMessage Bearer(HttpMethod method, string url, string token) =>
        new(method, url) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    /// <summary>The URL the daemon prints once it listens: its origin and the token.</summary>
    private static async Task<(string Origin, string Token)> WebUrlAsync(CliProcess daemon)
    {
        var line = await Poll.ObjectAsync(
            () => daemon.StdoutText.Split('\n')[..^1].FirstOrDefault(l => l.StartsWith(UrlPrefix, StringComparison.Ordinal)), // whole lines only
            Deadline,
            () => $"the daemon to print its web view's URL\n{daemon.StderrText}");
        var url = new Uri(line[UrlPrefix.Length..].Trim());
        Assert.Equal("127.0.0.1", url.Host);
        return ($"{url.Scheme}://{url.Authority}", url.Query["?token=".Length..]);
    }

    private async Task UntilCountsAsync(HeadlessChromium browser, Dictionary<string, int> expected, string description, CancellationToken ct)
    {
        var want = string.Join(", ", expected.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        var seen = "";
        try
        {
            // The counts line and the grid's cells, both as the page shows them.
            const string Read = "(() => { const c = [...document.querySelectorAll('#counts [data-state]')].map(e => e.dataset.state + '=' + e.dataset.count).join(', ');" +
                " const g = {}; document.querySelectorAll('#grid .cell').forEach(e => g[e.dataset.state] = (g[e.dataset.state] || 0) + 1);" +
                " return c + ' | ' + Object.keys(g).sort().map(k => k + '=' + g[k]).join(', '); })()";
            await browser.UntilAsync($"{Read} === {JsonSerializer.Serialize(want + " | " + want)}", Deadline, description, ct);
        }
        finally
        {
            seen = (await browser.Page.EvaluateAsync("document.getElementById('counts')?.textContent ?? ''", CancellationToken.None)).GetString() ?? "";
            output.WriteLine($"counts shown: {seen}");
        }
    }

    private static async Task<string> TailAsync(HeadlessChromium browser, CancellationToken ct) =>
        (await browser.Page.EvaluateAsync("document.getElementById('tail')?.textContent ?? ''", ct)).GetString()!;

    private static Task UntilTailAsync(HeadlessChromium browser, string condition, string description, CancellationToken ct) =>
        browser.UntilAsync($"(() => {{ const tail = document.getElementById('tail')?.textContent ?? ''; return {condition}; }})()", Deadline, description, ct);

    private async Task StopAsync(CliProcess daemon)
    {
        daemon.Signal(PosixSignals.SIGTERM);
        var code = await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"daemon:\n{daemon.StderrText}");
        Assert.Equal(0, code);
    }
}
