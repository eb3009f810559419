namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>
/// The hand-written corpus (<see cref="SshGCorpus"/>), every config crossed with its hosts and
/// command lines, checked against the real <c>ssh -G</c> by <see cref="SshGComparison"/>.
/// </summary>
public class SshGDifferentialTests
{
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var entry in SshGCorpus.All)
        {
            foreach (var host in entry.Hosts)
            {
                foreach (var variant in entry.Variants)
                {
                    data.Add(entry.Name, host, variant.Name);
                }
            }
        }

        return data;
    }

    [Fact]
    public void CorpusIsLargeEnough()
    {
        Assert.True(SshGCorpus.All.Count() >= 15);
        Assert.True(Cases().Count >= 150);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResolverAgreesWithSshG(string entryName, string host, string variantName)
    {
        var entry = SshGCorpus.All.Single(e => e.Name == entryName);
        SshGComparison.AssertAgrees(entry, host, entry.Variants.Single(v => v.Name == variantName));
    }
}
