namespace Herald.Client;

/// <summary>
/// A request the client does not retry failed: the server refused it (a 4xx answer with an RFC 9457 problem body, such as a
/// bad stream name, a missing publisher key or an oversized body), or a publish ran out of attempts (the last error is the
/// <see cref="Exception.InnerException"/>).
/// </summary>
public sealed class HeraldException : Exception
{
    /// <summary>Creates an exception with a message only.</summary>
    public HeraldException()
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    /// <param name="message">What went wrong.</param>
    public HeraldException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public HeraldException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal HeraldException(int? statusCode, string? title, string? detail, string? problemType, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Title = title;
        Detail = detail;
        ProblemType = problemType;
    }

    /// <summary>The HTTP status of the answer, or null when no answer arrived (a publish that ran out of attempts on network errors).</summary>
    public int? StatusCode { get; }

    /// <summary>The problem's <c>title</c>, when the answer had one.</summary>
    public string? Title { get; }

    /// <summary>The problem's <c>detail</c>: what was wrong with this request, when the answer had one.</summary>
    public string? Detail { get; }

    /// <summary>The problem's <c>type</c>, when the answer had one.</summary>
    public string? ProblemType { get; }
}
