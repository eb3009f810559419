using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

/// <summary>
/// Folding host names into ranges, with the corner cases ClusterShell's own NodeSet tests cover
/// (padding, several ranges, suffixes, several bracket groups), and always checked both ways:
/// <see cref="HostFolding.Unfold"/> (our range parser) must give back exactly the names folded.
/// </summary>
public class HostFoldingTests
{
    [Theory]
    [InlineData("h1", "h1")]
    [InlineData("h1,h2,h3", "h[1-3]")]
    [InlineData("h3,h1,h2", "h[1-3]")]
    [InlineData("h1,h2,h3,h5", "h[1-3,5]")]
    [InlineData("h1,h3,h5", "h[1,3,5]")]
    [InlineData("h9,h10,h11", "h[9-11]")]
    [InlineData("web", "web")]
    [InlineData("web,db", "db,web")]
    [InlineData("h0,h1", "h[0-1]")]
    public void Folds_one_dimension(string names, string folded) => AssertFolds(names.Split(','), folded);

    [Fact]
    public void The_issue_example_folds_around_the_one_failure()
    {
        var ok = Enumerable.Range(1, 500).Where(n => n != 481).Select(n => $"h{n}");
        AssertFolds(ok, "h[1-480,482-500]");
    }

    [Theory]
    [InlineData("h01,h02,h03", "h[01-03]")]
    [InlineData("h01,h02,h03,h04,h05,h06,h07,h08,h09,h10", "h[01-10]")] // the padded run takes in 10
    [InlineData("h08,h09,h10,h11", "h[08-11]")]
    [InlineData("h001,h002,h099,h100", "h[001-002,099-100]")]
    [InlineData("h9,h10", "h[9-10]")] // unpadded stays unpadded
    [InlineData("h1,h01", "h[1,01]")] // two names, not one
    [InlineData("h1,h2,h01,h02", "h[1-2,01-02]")]
    [InlineData("h00,h01", "h[00-01]")]
    [InlineData("h0,h00", "h[0,00]")]
    public void Keeps_padding(string names, string folded) => AssertFolds(names.Split(','), folded);

    [Theory]
    [InlineData("h1-eth0,h2-eth0,h3-eth0", "h[1-3]-eth0")]
    [InlineData("web1.example.com,web2.example.com", "web[1-2].example.com")]
    [InlineData("h1-eth0,h1-eth1,h2-eth0,h2-eth1", "h[1-2]-eth[0-1]")]
    [InlineData("r1n1,r1n2,r1n3,r2n1,r2n2,r2n3", "r[1-2]n[1-3]")]
    [InlineData("r1n1,r1n2,r2n1", "r1n[1-2],r2n1")]
    [InlineData("da1c1,da1c2,da2c1,da2c2,da3c1", "da[1-2]c[1-2],da3c1")]
    public void Folds_several_dimensions_and_keeps_suffixes(string names, string folded) => AssertFolds(names.Split(','), folded);

    [Theory]
    [InlineData("h1,db1,h2,db2", "db[1-2],h[1-2]")]
    [InlineData("h10,a,h2", "a,h[2,10]")]
    [InlineData("web1,web2,web1-eth0", "web[1-2],web1-eth0")]
    [InlineData("ops@h1:2222,ops@h2:2222", "ops@h[1-2]:2222")]
    public void Keeps_different_shapes_apart_in_natural_order(string names, string folded) => AssertFolds(names.Split(','), folded);

    [Fact]
    public void A_name_the_range_syntax_could_not_give_back_is_listed_as_it_is()
    {
        // An IPv6 address in brackets, and a number too long for a range.
        Assert.Equal("[::1]:2222,[::1]:2223", HostFolding.Fold(["[::1]:2222", "[::1]:2223"]));
        Assert.Equal("h1234567890,h1234567891", HostFolding.Fold(["h1234567891", "h1234567890"]));
    }

    [Fact]
    public void Duplicates_fold_once() => Assert.Equal("h[1-2]", HostFolding.Fold(["h1", "h2", "h1"]));

    [Fact]
    public void A_scattered_large_set_round_trips()
    {
        var random = new Random(15);
        var names = Enumerable.Range(0, 2000).Select(_ => random.Next(4) switch
        {
            0 => $"h{random.Next(1, 300)}",
            1 => $"n{random.Next(0, 120):000}",
            2 => $"r{random.Next(1, 6)}n{random.Next(1, 30)}",
            _ => $"h{random.Next(1, 40)}-eth{random.Next(0, 3)}",
        }).ToList();

        var folded = HostFolding.Fold(names);

        Assert.Equal(names.Distinct().Order(StringComparer.Ordinal), HostFolding.Unfold(folded).Order(StringComparer.Ordinal));
        Assert.True(folded.Length < names.Distinct().Sum(n => n.Length + 1) / 4, folded);
    }

    [Fact]
    public void Fifty_thousand_separate_runs_fold_in_one_pass()
    {
        // Even numbers of five digits (padded up to 09998, then unpadded) and odd ones of six:
        // 100,000 runs of one value each (an earlier version scanned every value once per run).
        var names = Enumerable.Range(0, 100_000).Select(n => n % 2 == 0 ? $"n{n:00000}" : $"n{n + 100_000}").ToList();

        var folded = HostFolding.Fold(names);

        Assert.StartsWith("n[00000,00002,00004,", folded, StringComparison.Ordinal);
        Assert.Equal(names.Count, HostFolding.Unfold(folded).Count);
    }

    private static void AssertFolds(IEnumerable<string> names, string expected)
    {
        var list = names.ToList();
        var folded = HostFolding.Fold(list);
        Assert.Equal(expected, folded);
        Assert.Equal(list.Distinct().Order(StringComparer.Ordinal), HostFolding.Unfold(folded).Order(StringComparer.Ordinal));
    }
}
