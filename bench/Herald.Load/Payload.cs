using System.Text;

namespace Herald.Load;

internal static class Payload
{
    /// <summary>A JSON object of about <paramref name="size"/> bytes, the typical shape of an event.</summary>
    public static string Json(int size)
    {
        const string Head = "{\"type\":\"order.updated\",\"pad\":\"";
        const string Tail = "\"}";
        int pad = Math.Max(0, size - Head.Length - Tail.Length);
        return Head + new string('x', pad) + Tail;
    }

    public static byte[] Ndjson(string json, int count)
    {
        StringBuilder builder = new((json.Length + 12) * count);
        for (int i = 0; i < count; i++)
        {
            builder.Append("{\"data\":").Append(json).Append("}\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
