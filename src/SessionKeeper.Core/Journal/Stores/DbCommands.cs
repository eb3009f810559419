using System.Data.Common;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>Parameters for any store's command: null is SQL NULL.</summary>
internal static class DbCommands
{
    public static DbCommand Add(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }
}
