using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Secrets.Targets;

namespace Orchestrator.Ops.Core.Tests.Secrets;

public sealed class SecretTargetFactoryTests
{
    [Fact]
    public void Each_kind_makes_its_target_with_the_definitions_fields()
    {
        var root = Path.GetTempPath();
        var env = Assert.IsType<EnvFileTarget>(SecretTargetFactory.Create(new SecretTargetDefinition { Kind = SecretTargetKind.EnvFile, Path = Path.Combine(root, "a.env"), Variable = "TOKEN" }, false, null));
        var json = Assert.IsType<JsonFileTarget>(SecretTargetFactory.Create(new SecretTargetDefinition { Kind = SecretTargetKind.JsonFile, Path = Path.Combine(root, "a.json"), Property = "auth.token", PreviousProperty = "auth.previous" }, true, null));
        var file = Assert.IsType<FileTarget>(SecretTargetFactory.Create(new SecretTargetDefinition { Kind = SecretTargetKind.File, Path = Path.Combine(root, "key"), PreviousPath = Path.Combine(root, "key.previous") }, false, null));
        var commandDefinition = new SecretTargetDefinition { Kind = SecretTargetKind.Command, Command = new CommandSettings(["rotate", "--stdin"], TimeSpan.FromSeconds(30)) };
        var command = Assert.IsType<CommandTarget>(SecretTargetFactory.Create(commandDefinition, false, null, root));

        Assert.Equal(("TOKEN", "TOKEN_PREVIOUS"), (env.Variable, env.PreviousVariable));
        Assert.Equal(("auth.token", "auth.previous"), (json.Property, json.PreviousProperty));
        Assert.Equal(Path.Combine(root, "key.previous"), file.PreviousPath);
        Assert.Equal(root, command.WorkingDirectory);
        Assert.Equal(commandDefinition.Display, command.Display);
    }

    [Fact]
    public void A_definition_without_the_fields_its_kind_needs_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SecretTargetFactory.Create(new SecretTargetDefinition { Kind = SecretTargetKind.EnvFile, Path = "/tmp/x.env" }, false, null));
        Assert.Throws<ArgumentException>(() => SecretTargetFactory.Create(new SecretTargetDefinition { Kind = SecretTargetKind.JsonFile, Path = "/tmp/x.json" }, false, null));
        Assert.Throws<ArgumentException>(() => SecretTargetFactory.Create(new SecretTargetDefinition { Kind = SecretTargetKind.File }, false, null));
        Assert.Throws<ArgumentException>(() => SecretTargetFactory.Create(new SecretTargetDefinition { Kind = SecretTargetKind.Command }, false, null));
    }
}
