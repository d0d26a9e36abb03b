using System.Reflection;

namespace Herald.Tests.Hosting;

/// <summary>
/// The standalone server parses its command line into one <see cref="HeraldOptions"/> and hands it on with
/// <c>CopyFrom</c>: every public option must travel, or a server option would silently do nothing.
/// </summary>
public sealed class HeraldOptionsCopyTests
{
    [Fact]
    public void CopyFrom_EveryPublicProperty_IsCopied()
    {
        HeraldOptions source = new();
        foreach (PropertyInfo property in typeof(HeraldOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.CanWrite)
            {
                property.SetValue(source, Changed(property.PropertyType, property.GetValue(source)));
            }
            else
            {
                ((IList<string>)property.GetValue(source)!).Add("https://copied.example");
            }
        }

        HeraldOptions target = new();
        target.CopyFrom(source);

        foreach (PropertyInfo property in typeof(HeraldOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? expected = property.GetValue(source);
            object? actual = property.GetValue(target);
            if (expected is IList<string> list)
            {
                Assert.Equal(list, (IList<string>)actual!);
                Assert.NotSame(expected, actual);
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{property.Name}: expected {expected}, got {actual}");
            }
        }
    }

    [Fact]
    public void CopyFrom_ReplacesKeysAndOriginsRatherThanAddingToThem()
    {
        HeraldOptions source = new();
        source.PublisherKeys.Add("publisher-key-0123456789");
        HeraldOptions target = new();
        target.PublisherKeys.Add("older-key-0123456789");
        target.CorsOrigins.Add("https://older.example");

        target.CopyFrom(source);

        Assert.Equal(["publisher-key-0123456789"], target.PublisherKeys);
        Assert.Empty(target.CorsOrigins);
    }

    private static object Changed(Type type, object? value) => value switch
    {
        int i => i + 7,
        long l => l + 7,
        TimeSpan t => t + TimeSpan.FromMilliseconds(7),
        string s => s + "-changed",
        null when type == typeof(string) => "set-by-the-test",
        _ => throw new InvalidOperationException($"The test does not know how to change a {type}: teach it, then check CopyFrom copies it."),
    };
}
