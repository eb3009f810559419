using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Fakes;

/// <summary>A throwaway state home on this machine, served by a real shell as a target would serve it.</summary>
internal sealed class ShellTarget : IDisposable
{
    private readonly TempDir _state = new();

    public string Path => _state.Path;

    public JobClient Client(string shell) => new(Shells.Session(shell, _state.Path));

    public string JobDir(string id) => _state.JobDir(id);

    public string JobFile(string id, string name) => System.IO.Path.Combine(_state.JobDir(id), name);

    public void Dispose() => _state.Dispose();
}
