using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class IniTokenizerTests
{
    [Theory]
    [InlineData("web1", new[] { "web1" })]
    [InlineData("  web1\tx=1   y=2  ", new[] { "web1", "x=1", "y=2" })]
    [InlineData("web1 # comment x=1", new[] { "web1" })]
    [InlineData("web1#comment", new[] { "web1" })]
    [InlineData("h x=\"a b\" y='c d'", new[] { "h", "x=a b", "y=c d" })]
    [InlineData("h x=\"say \\\"hi\\\" \\\\ \\n\"", new[] { "h", "x=say \"hi\" \\ \\n" })]
    [InlineData("h x='#not a comment'", new[] { "h", "x=#not a comment" })]
    [InlineData("h x=a\\ b", new[] { "h", "x=a b" })]
    [InlineData("h x=\"\"", new[] { "h", "x=" })]
    public void SplitsLikePythonShlex(string line, string[] expected)
    {
        Assert.True(IniTokenizer.TrySplit(line, out var tokens, out var error), error);
        Assert.Equal(expected, tokens);
    }

    [Theory]
    [InlineData("h x='open", "the quote ' at column 5 is never closed")]
    [InlineData("h x=\"open", "the quote \" at column 5 is never closed")]
    [InlineData("h x=\\", "the line ends with a lone '\\'")]
    public void UnterminatedInputIsAnError(string line, string expected)
    {
        Assert.False(IniTokenizer.TrySplit(line, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("deploy", "deploy")]
    [InlineData("'deploy'", "deploy")]
    [InlineData("\"it's\"", "it's")]
    [InlineData("deploy # a comment", "deploy")]
    [InlineData("\"a # b\" # c", "a # b")]
    [InlineData("x#y", "x#y")]
    [InlineData("'unbalanced", "'unbalanced")]
    public void VarsLineValues(string raw, string expected) => Assert.Equal(expected, IniValue.FromVarsLine(raw));
}
