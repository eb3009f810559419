namespace SessionKeeper.Core.Remote;

/// <summary>
/// A session that takes a launch as the resident launcher's request line (<see cref="ResidentLaunch"/>)
/// instead of a runner payload: the daemon's broker, which hands the line to its connection's
/// resident launcher and builds the runner's payload itself only when the launch must go over an
/// exec channel. The CLI then neither builds nor sends the payload's scripts (about 110 KB, a sixth
/// of a brokered `run -d`'s CPU in perf) for a launch the target never reads them for.
/// </summary>
internal interface ILaunchSession
{
    /// <summary>What the runner's launch printed, as <see cref="IRemoteSession.ExecAsync"/> of <see cref="ResidentLaunch.ToPayload"/> returns it.</summary>
    Task<byte[]> LaunchAsync(ResidentLaunch launch, CancellationToken cancellationToken = default);
}
