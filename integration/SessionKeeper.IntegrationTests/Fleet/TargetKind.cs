namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>What a simulated host does when the fleet connects to it.</summary>
public enum TargetKind
{
    /// <summary>A proxy to the OpenSSH sshd that accepts our key: the job runs.</summary>
    Good,

    /// <summary>A proxy to Dropbear (user sk-fleet): the job runs.</summary>
    Dropbear,

    /// <summary>A proxy to the sshd that accepts no key.</summary>
    AuthRefused,

    /// <summary>A proxy to the good sshd, but known_hosts records another server's keys for its port.</summary>
    HostKeyChanged,

    /// <summary>A port nobody listens on: connection refused by the kernel.</summary>
    ClosedPort,

    /// <summary>A proxy in <see cref="Infrastructure.FaultMode.Refuse"/>: every connection is reset on arrival.</summary>
    Refusing,

    /// <summary>A black-holed proxy: connections are accepted and never answered (the connect timeout decides).</summary>
    Silent,
}
