using System.Collections;
using System.Globalization;
using System.Reflection;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>
/// Walks SessionKeeper's records by reflection, so a property added to one later is seen by the
/// tests that use this without anyone remembering to add it to them.
/// </summary>
internal static class RecordWalk
{
    /// <summary>The properties a caller can set (positional or init): computed ones follow from them.</summary>
    public static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).OrderBy(p => p.Name, StringComparer.Ordinal);

    /// <summary>
    /// Fails on any settable property, at any depth, left at its CLR default, at the value the type
    /// gives it when unset (an initializer), or empty; returns every leaf value with its path.
    /// Paths in <paramref name="stopAt"/> are not looked into (where a recursive record must end).
    /// </summary>
    public static List<(string Path, object Value)> AssertPopulated(object value, string path, IReadOnlySet<string>? stopAt = null)
    {
        var leaves = new List<(string, object)>();
        Populated(value, path, stopAt ?? new HashSet<string>(), leaves);
        return leaves;
    }

    /// <summary>Fails unless every leaf of one type holds a value no other leaf of that type holds: a swapped column shows.</summary>
    public static void AssertDistinct(IEnumerable<(string Path, object Value)> leaves)
    {
        var clashes = leaves
            .Where(l => l.Value is not bool && !l.Value.GetType().IsEnum)
            .GroupBy(l => (l.Value.GetType(), Text(l.Value)))
            .Where(g => g.Count() > 1)
            .Select(g => string.Join(" = ", g.Select(l => l.Path)))
            .ToList();
        Assert.True(clashes.Count == 0, $"leaves share a value, so a mix-up between them would not show: {string.Join("; ", clashes)}");
    }

    /// <summary>Compares two values property by property (records), element by element (lists) and by value (leaves).</summary>
    public static void AssertSame(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, read back {Show(actual)}");
            return;
        }

        if (IsRecord(expected.GetType()))
        {
            foreach (var property in Settable(expected.GetType()))
            {
                AssertSame(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            }

            return;
        }

        if (expected is IEnumerable list && expected is not string)
        {
            var e = list.Cast<object?>().ToList();
            var a = ((IEnumerable)actual).Cast<object?>().ToList();
            Assert.True(e.Count == a.Count, $"{path}: expected {e.Count} elements, read back {a.Count}");
            for (var i = 0; i < e.Count; i++)
            {
                AssertSame(e[i], a[i], $"{path}[{i}]");
            }

            return;
        }

        Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, read back {Show(actual)}");
    }

    private static void Populated(object? value, string path, IReadOnlySet<string> stopAt, List<(string, object)> leaves)
    {
        if (stopAt.Contains(path))
        {
            return;
        }

        Assert.True(value is not null, $"{path} is null: give it a value in the test");
        var type = value.GetType();
        if (IsRecord(type))
        {
            var unset = Unset(type);
            foreach (var property in Settable(type))
            {
                var child = property.GetValue(value);
                if (unset is not null && child is not null && !(child is IEnumerable && child is not string))
                {
                    Assert.True(!child.Equals(property.GetValue(unset)), $"{path}.{property.Name} keeps the value it has when unset ({Show(child)}): give it another in the test");
                }

                Populated(child, $"{path}.{property.Name}", stopAt, leaves);
            }

            return;
        }

        if (value is IEnumerable list && value is not string)
        {
            var items = list.Cast<object?>().ToList();
            Assert.True(items.Count > 0, $"{path} is empty: give it an element in the test");
            if (value is byte[])
            {
                leaves.Add((path, value));
                return;
            }

            for (var i = 0; i < items.Count; i++)
            {
                Populated(items[i], $"{path}[{i}]", stopAt, leaves);
            }

            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
        {
            Populated(type.GetProperty("Key")!.GetValue(value), $"{path}.Key", stopAt, leaves);
            Populated(type.GetProperty("Value")!.GetValue(value), $"{path}.Value", stopAt, leaves);
            return;
        }

        var clrDefault = type.IsValueType ? Activator.CreateInstance(type) : null;
        Assert.True(!value.Equals(clrDefault) && !(value is string { Length: 0 }), $"{path} is {Show(value)}, a default: give it another value in the test");
        leaves.Add((path, value));
    }

    /// <summary>An instance with nothing set, for records that have a parameterless constructor (initializers applied).</summary>
    private static object? Unset(Type type) => type.GetConstructor(Type.EmptyTypes) is { } constructor ? constructor.Invoke(null) : null;

    private static bool IsRecord(Type type) => type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("SessionKeeper.", StringComparison.Ordinal) == true;

    private static string Text(object value) => value switch
    {
        byte[] bytes => Convert.ToHexString(bytes),
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static string Show(object? value) => value is null ? "null" : $"'{Text(value)}'";
}
