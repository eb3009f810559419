using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public sealed class TargetSelectorFileTests : IDisposable
{
    private readonly ScratchDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private IReadOnlyList<FleetTarget> Resolve(params string[] specs) => TargetSelector.Resolve(specs, dir.Path);

    [Fact]
    public void HostFileIsReadRelativeToTheCurrentDirectory()
    {
        dir.Write("hosts.txt", "# fleet\nweb1\ndeploy@web[2-3]:2222\n");

        Assert.Equal(
            [
                new FleetTarget("web1", null, null, null, "hosts.txt:2"),
                new FleetTarget("web2", null, 2222, "deploy", "hosts.txt:3") { Written = "deploy@web2:2222" },
                new FleetTarget("web3", null, 2222, "deploy", "hosts.txt:3") { Written = "deploy@web3:2222" },
            ],
            Resolve("@hosts.txt"));
    }

    [Fact]
    public void AbsolutePathIsReadAsIsAndNamedAsWritten()
    {
        var file = dir.Write("lists/hosts", "web1\n");

        Assert.Equal($"{file}:1", Assert.Single(TargetSelector.Resolve([$"@{file}"], "/")).Source);
    }

    [Fact]
    public void HomeDirectoryExpandsTilde()
    {
        dir.Write("hosts", "web1\n");

        Assert.Equal("~/hosts:1", Assert.Single(TargetSelector.Resolve(["@~/hosts"], "/", dir.Path)).Source);
    }

    [Fact]
    public void IniInventoryWithGroupAndExclusion()
    {
        dir.Write("inventory.ini", "[web]\nweb[1:3] ansible_user=deploy\n[web:vars]\nansible_port=2200\n");

        Assert.Equal(
            [
                new FleetTarget("web1", null, 2200, "deploy", "inventory.ini:2"),
                new FleetTarget("web2", null, 2200, "deploy", "inventory.ini:2"),
            ],
            Resolve("@inventory.ini:web:!web3"));
    }

    [Fact]
    public void YamlInventoryWithGroup()
    {
        dir.Write("inventory.yml", "all:\n  children:\n    web:\n      hosts:\n        web1:\n          ansible_host: 10.1.1.1\n    db:\n      hosts:\n        db1:\n");

        Assert.Equal([new FleetTarget("web1", "10.1.1.1", null, null, "inventory.yml:5")], Resolve("@inventory.yml:web"));
    }

    [Fact]
    public void InventoryWithoutGroupSelectsAll()
    {
        dir.Write("inventory.yaml", "all:\n  hosts:\n    a:\n  children:\n    g:\n      hosts:\n        b:\n");

        Assert.Equal(["a", "b"], Resolve("@inventory.yaml").Select(t => t.Name));
    }

    [Fact]
    public void FileWithoutExtensionIsSniffed()
    {
        dir.Write("plain", "web1\nweb2:2200\n");
        dir.Write("ini", "# ini\n[web]\nweb1\n");
        dir.Write("yaml", "# yaml\nall:\n  hosts:\n    y1:\n");

        Assert.Equal(["web1", "web2"], Resolve("@plain").Select(t => t.Name));
        Assert.Equal("ini:3", Assert.Single(Resolve("@ini")).Source);
        Assert.Equal("yaml:4", Assert.Single(Resolve("@yaml")).Source);
    }

    [Fact]
    public void AGroupMakesAPlainListAnInventory()
    {
        dir.Write("hosts", "web1\nweb2\n");

        Assert.Equal(["web2"], Resolve("@hosts:web2").Select(t => t.Name));
        Assert.Equal(["web1", "web2"], Resolve("@hosts:ungrouped").Select(t => t.Name));
    }

    [Fact]
    public void ArgumentsMixAndDeduplicateAcrossSources()
    {
        dir.Write("hosts.txt", "web1\nweb2\n");
        dir.Write("inventory.ini", "web2\nweb3 ansible_port=2200\n");

        var targets = Resolve("web3,web1", "@hosts.txt", "@inventory.ini");

        Assert.Equal(
            [
                new FleetTarget("web3", null, null, null, TargetSelector.CommandLine),
                new FleetTarget("web1", null, null, null, TargetSelector.CommandLine),
                new FleetTarget("web2", null, null, null, "hosts.txt:2"),
                new FleetTarget("web3", null, 2200, null, "inventory.ini:2"),
            ],
            targets);
    }

    [Fact]
    public void ErrorsInsideFilesNameTheFileAndLine()
    {
        dir.Write("hosts.txt", "web1\nweb2:abc\n");
        dir.Write("inventory.ini", "[web\nweb1\n");
        dir.Write("inventory.yml", "all:\n  hosts:\n    - web1\n");

        Assert.Equal("hosts.txt:2", Assert.Throws<TargetSyntaxException>(() => Resolve("@hosts.txt")).Location);
        Assert.Equal("inventory.ini:1", Assert.Throws<TargetSyntaxException>(() => Resolve("@inventory.ini")).Location);
        Assert.Equal("inventory.yml:3", Assert.Throws<TargetSyntaxException>(() => Resolve("@inventory.yml")).Location);
    }

    [Fact]
    public void UnknownGroupNamesTheArgumentAndListsGroups()
    {
        dir.Write("inventory.ini", "[web]\nweb1\n");

        var ex = Assert.Throws<TargetSyntaxException>(() => Resolve("@inventory.ini:db"));

        Assert.Equal(
            "argument '@inventory.ini:db': no group or host in inventory.ini matches 'db'; its groups are: all, ungrouped, web",
            ex.Message);
    }

    [Fact]
    public void EmptySelectionIsAnError()
    {
        dir.Write("inventory.ini", "[web]\nweb1\n[empty:children]\n");
        dir.Write("hosts.txt", "# nobody yet\n");

        Assert.Equal(
            "argument '@inventory.ini:empty': selects no hosts",
            Assert.Throws<TargetSyntaxException>(() => Resolve("@inventory.ini:empty")).Message);
        Assert.Equal(
            "argument '@hosts.txt': selects no hosts",
            Assert.Throws<TargetSyntaxException>(() => Resolve("@hosts.txt")).Message);
    }

    [Fact]
    public void DirectoryAndEmptyGroupAreRefused()
    {
        Directory.CreateDirectory(Path.Combine(dir.Path, "group_vars"));
        dir.Write("inventory.ini", "web1\n");

        Assert.Contains("is a directory", Assert.Throws<TargetSyntaxException>(() => Resolve("@group_vars")).Message, StringComparison.Ordinal);
        Assert.Contains(
            "':' must be followed by a group name",
            Assert.Throws<TargetSyntaxException>(() => Resolve("@inventory.ini:")).Message,
            StringComparison.Ordinal);
    }
}
