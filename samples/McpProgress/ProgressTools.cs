using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpProgress;

/// <summary>A long-running tool: it reports each step as an MCP progress notification on the call's SSE stream.</summary>
[McpServerToolType]
public sealed class ProgressTools
{
    /// <summary>Counts to <paramref name="steps"/>, one progress notification per step, then answers.</summary>
    [McpServerTool(Name = "count"), Description("Counts to 'steps', reporting each step as progress. With 'hold', it never answers: a job still running.")]
    public static async Task<string> CountAsync(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        [Description("How many progress notifications to send.")] int steps,
        [Description("Keep running after the last step instead of answering.")] bool hold = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Params?.ProgressToken is ProgressToken token)
        {
            for (int step = 1; step <= steps; step++)
            {
                // Awaited, so that notifications are stored and sent in step order.
                await server.NotifyProgressAsync(
                    token,
                    new ProgressNotificationValue { Progress = step, Total = steps, Message = string.Create(CultureInfo.InvariantCulture, $"step {step}") },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        if (hold)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        return string.Create(CultureInfo.InvariantCulture, $"counted to {steps}");
    }
}
