using SessionKeeper;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

// usage: sample HOST COMMAND [CONFIG]. HOST as ssh reads it (~/.ssh/config or ssh -F CONFIG).
var keeper = JobKeeper.Open(new JobKeeperOptions { Transport = SshTransport.Default });
var host = SshTarget.Resolve(args[0], configFile: args.Length > 2 ? args[2] : null);
using var stdout = Console.OpenStandardOutput();
using var stderr = Console.OpenStandardError();
await foreach (var e in keeper.StartAndFollowAsync(host, new JobRequest(args[1])))
{
    switch (e)
    {
        case JobEvent.Output o: await (o.Stream == OutputKind.Stderr ? stderr : stdout).WriteAsync(o.Bytes); break;
        case JobEvent.Disconnected d: Console.Error.WriteLine($"link lost at byte {d.Offset}; the job runs on"); break;
        case JobEvent.Reconnected r: Console.Error.WriteLine($"reconnected after {r.Gap.TotalSeconds:0.0} s"); break;
        case JobEvent.Finished f: return f.Result.ExitCode ?? 255; // 0-255, 128+N after signal N
    }
}

return 255;
