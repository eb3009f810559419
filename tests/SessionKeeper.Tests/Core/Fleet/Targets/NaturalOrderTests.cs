using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class NaturalOrderTests
{
    [Fact]
    public void Numbers_compare_as_numbers() =>
        Assert.Equal(["sk1", "sk2", "sk10", "sk11", "sk12"], Sorted("sk10", "sk11", "sk12", "sk1", "sk2"));

    [Fact]
    public void Padding_is_kept_and_padded_names_sort_among_the_others() =>
        Assert.Equal(["h1", "h01", "h2", "h09", "h10", "h010"], Sorted("h10", "h010", "h09", "h2", "h01", "h1"));

    [Fact]
    public void Several_runs_of_digits_each_compare_as_numbers() =>
        Assert.Equal(["r1n2", "r1n10", "r2n1", "r10n1"], Sorted("r10n1", "r2n1", "r1n10", "r1n2"));

    [Fact]
    public void Text_compares_ordinally_and_a_prefix_comes_first() =>
        Assert.Equal(["db", "db1", "h1", "h1-eth0", "web"], Sorted("web", "h1-eth0", "h1", "db1", "db"));

    [Fact]
    public void Numbers_longer_than_a_long_compare_without_overflow() =>
        Assert.Equal(["h99999999999999999999", "h100000000000000000000"], Sorted("h100000000000000000000", "h99999999999999999999"));

    [Fact]
    public void Addresses_sort_by_each_number() =>
        Assert.Equal(["u@10.0.0.2:22", "u@10.0.0.10:22", "u@127.0.0.1:2222", "u@127.0.0.1:10022"], Sorted("u@127.0.0.1:10022", "u@10.0.0.10:22", "u@127.0.0.1:2222", "u@10.0.0.2:22"));

    [Fact]
    public void The_order_is_total_and_consistent()
    {
        var names = new[] { "h1", "h01", "h001", "h1a", "h01a", "a", "", "h", "h0", "h00" };
        foreach (var x in names)
        {
            Assert.Equal(0, NaturalOrder.Instance.Compare(x, x));
            foreach (var y in names.Where(y => y != x))
            {
                var xy = NaturalOrder.Instance.Compare(x, y);
                Assert.NotEqual(0, xy);
                Assert.Equal(-Math.Sign(xy), Math.Sign(NaturalOrder.Instance.Compare(y, x)));
            }
        }
    }

    private static List<string> Sorted(params string[] names) => [.. names.Order(NaturalOrder.Instance)];
}
