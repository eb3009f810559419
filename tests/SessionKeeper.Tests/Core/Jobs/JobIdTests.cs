using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Core.Jobs;

public class JobIdTests
{
    [Fact]
    public void New_ids_are_valid_short_and_distinct()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => JobId.New()).ToList();
        Assert.All(ids, id => Assert.True(JobId.IsValid(id.Value), id.Value));
        Assert.All(ids, id => Assert.Equal(14, id.Value.Length));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("k7q2-m9xa-4fz8")]
    [InlineData("a")]
    [InlineData("0-1")]
    public void Accepts_the_allowed_alphabet(string id)
    {
        Assert.True(JobId.IsValid(id));
        Assert.Equal(id, JobId.Parse(id).Value);
        Assert.Equal(id, new JobId(id).ToString());
        Assert.True(JobId.TryParse(id, out var parsed));
        Assert.Equal(id, parsed.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("-rf")]
    [InlineData("abc-")]
    [InlineData("ABC")]
    [InlineData("a b")]
    [InlineData("a.b")]
    [InlineData("a;b")]
    [InlineData("a$b")]
    [InlineData("é")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    public void Rejects_everything_else(string? id)
    {
        Assert.False(JobId.IsValid(id));
        var error = Assert.Throws<SessionKeeperException>(() => JobId.Parse(id));
        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.Equal($"invalid job id '{id}': use lower-case letters, digits and inner dashes only (at most 64).", error.Message);
        Assert.False(JobId.TryParse(id, out var parsed));
        Assert.True(parsed.IsDefault);
    }

    [Fact]
    public void The_constructor_checks_as_Parse_does()
    {
        var error = Assert.Throws<SessionKeeperException>(() => new JobId("../etc"));
        Assert.Equal((FailureKind.InvalidInput, "invalid job id '../etc': use lower-case letters, digits and inner dashes only (at most 64)."), (error.Kind, error.Message));
    }

    [Fact]
    public void Rejects_overlong_ids()
    {
        Assert.False(JobId.IsValid(new string('a', JobId.MaxLength + 1)));
        Assert.Throws<SessionKeeperException>(() => JobId.Parse(new string('a', JobId.MaxLength + 1)));
        Assert.Equal(JobId.MaxLength, JobId.Parse(new string('a', JobId.MaxLength)).Value.Length);
    }

    [Fact]
    public void ToString_and_Parse_round_trip_and_equality_is_by_text()
    {
        var id = JobId.New();
        var back = JobId.Parse(id.ToString());
        Assert.Equal(id, back);
        Assert.True(id == back);
        Assert.Equal(id.GetHashCode(), back.GetHashCode());
        Assert.NotEqual(id, JobId.Parse("other"));
        Assert.Equal($"job {id.Value}", $"job {id}");
    }

    [Fact]
    public void Ids_sort_as_the_journal_sorts_them()
    {
        var ids = new[] { "b-10", "b-2", "a", "b-1-r2", "b-1" }.Select(JobId.Parse);
        Assert.Equal(["a", "b-1", "b-1-r2", "b-10", "b-2"], ids.Order().Select(id => id.Value));
        Assert.True(default(JobId).CompareTo(JobId.Parse("a")) < 0);
    }

    [Fact]
    public void Default_names_no_job_and_never_turns_into_text()
    {
        var none = default(JobId);
        Assert.True(none.IsDefault);
        Assert.False(JobId.New().IsDefault);
        Assert.Throws<InvalidOperationException>(() => none.Value);
        Assert.Throws<InvalidOperationException>(() => none.ToString());
        Assert.NotEqual(none, JobId.New());
        Assert.Equal(none, default(JobId));
    }
}
