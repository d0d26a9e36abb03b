using System.Text;

namespace Herald.Benchmarks;

/// <summary>A compact one-line JSON object of an exact UTF-8 size, like the payloads publishers send.</summary>
internal static class Payload
{
    public static byte[] Json(int bytes)
    {
        const string Head = "{\"user\":42,\"text\":\"";
        const string Tail = "\"}";
        int fill = Math.Max(0, bytes - Head.Length - Tail.Length);
        var text = new StringBuilder(Head);
        for (int i = 0; i < fill; i++)
        {
            text.Append((char)('a' + (i % 26)));
        }

        byte[] json = Encoding.UTF8.GetBytes(text.Append(Tail).ToString());
        return json.Length == bytes ? json : json[..bytes]; // 20 B is shorter than the envelope: a prefix is still one line
    }
}
