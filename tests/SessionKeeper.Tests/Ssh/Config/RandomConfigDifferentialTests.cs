namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>
/// Seeded random configs (<see cref="RandomConfigGenerator"/>) checked against the real <c>ssh -G</c>.
/// Set SK_SSHCFG_RANDOM_CONFIGS to run more of them (a soak run).
/// </summary>
public class RandomConfigDifferentialTests
{
    private static readonly int Configs =
        int.TryParse(Environment.GetEnvironmentVariable("SK_SSHCFG_RANDOM_CONFIGS"), out var n) && n > 0 ? n : 60;

    public static TheoryData<int, string, string> Cases()
    {
        var data = new TheoryData<int, string, string>();
        for (var seed = 1; seed <= Configs; seed++)
        {
            var entry = RandomConfigGenerator.Generate(seed);
            foreach (var host in entry.Hosts)
            {
                foreach (var variant in entry.Variants)
                {
                    data.Add(seed, host, variant.Name);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResolverAgreesWithSshG(int seed, string host, string variantName)
    {
        var entry = RandomConfigGenerator.Generate(seed);
        SshGComparison.AssertAgrees(entry, host, entry.Variants.Single(v => v.Name == variantName));
    }
}
