using Xunit.Abstractions;
using Xunit.Sdk;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// How long a test class (or a collection, on its definition) takes on a 2-core machine: the
/// collections marked so start first, longest first, the others after them in xunit's own
/// (random) order. xunit runs as many collections at once as <c>maxParallelThreads</c> and the
/// cases of one collection one after another, so a long collection started last is the suite's
/// tail. The project names <see cref="LongestFirst"/> as its collection orderer (its csproj).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LongRunningAttribute(int seconds) : Attribute
{
    /// <summary>Its duration in a whole suite run (the trx's test times), in seconds.</summary>
    public int Seconds { get; } = seconds;
}

/// <summary>Orders test collections: those with a <see cref="LongRunningAttribute"/> first, longest first.</summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private const string ImplicitPrefix = "Test collection for ";

    private readonly DefaultTestCollectionOrderer _default = new();

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections)
    {
        var ordered = _default.OrderTestCollections(testCollections).ToList();
        return ordered
            .Select((collection, index) => (Collection: collection, Index: index, Seconds: SecondsOf(collection)))
            .OrderByDescending(c => c.Seconds)
            .ThenBy(c => c.Index)
            .Select(c => c.Collection)
            .ToList();
    }

    /// <summary>
    /// The seconds of a collection's definition, or of the one class of a collection xunit made for
    /// it (named "Test collection for" the class's full name); 0 when it has none.
    /// </summary>
    private static int SecondsOf(ITestCollection collection)
    {
        var type = (collection.CollectionDefinition as IReflectionTypeInfo)?.Type;
        if (type is null && collection.DisplayName.StartsWith(ImplicitPrefix, StringComparison.Ordinal))
        {
            var assembly = (collection.TestAssembly.Assembly as IReflectionAssemblyInfo)?.Assembly;
            type = assembly?.GetType(collection.DisplayName[ImplicitPrefix.Length..]);
        }

        return type?.GetCustomAttributes(typeof(LongRunningAttribute), inherit: false) is [LongRunningAttribute attribute, ..]
            ? attribute.Seconds
            : 0;
    }
}
