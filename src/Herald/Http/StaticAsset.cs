using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Herald.Http;

/// <summary>
/// A small file shipped inside this assembly (herald.js, the console), served with a strong ETag so that browsers
/// revalidate on every load (<c>no-cache</c>) but download it only when a new Herald version changed it.
/// </summary>
internal sealed class StaticAsset
{
    private readonly byte[] _content;
    private readonly string _contentType;
    private readonly string _etag;

    private StaticAsset(byte[] content, string contentType)
    {
        _content = content;
        _contentType = contentType;
        _etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
    }

    /// <summary>Loads an embedded resource (<c>Herald.Browser.&lt;file&gt;</c>), optionally rewriting its text once.</summary>
    public static StaticAsset FromResource(string file, string contentType, Func<string, string>? rewrite = null)
    {
        using Stream stream = typeof(StaticAsset).Assembly.GetManifestResourceStream("Herald.Browser." + file)
            ?? throw new InvalidOperationException($"The Herald assembly does not embed '{file}'.");
        using StreamReader reader = new(stream, System.Text.Encoding.UTF8);
        string text = reader.ReadToEnd();
        if (rewrite is not null)
        {
            text = rewrite(text);
        }

        return new StaticAsset(System.Text.Encoding.UTF8.GetBytes(text), contentType);
    }

    public Task WriteAsync(HttpContext context)
    {
        HttpResponse response = context.Response;
        response.Headers.ETag = _etag;
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch.Any(value => value is not null && value.Split(',').Any(tag => IsMatch(tag.Trim()))))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = _contentType;
        response.ContentLength = _content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(_content, context.RequestAborted).AsTask();
    }

    // RFC 9110 §13.1.2: If-None-Match compares weakly, so W/"x" matches "x"; * matches any current representation.
    private bool IsMatch(string tag) =>
        tag == "*" || string.Equals(tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag, _etag, StringComparison.Ordinal);
}
