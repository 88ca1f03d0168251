using Castd.Protocol.Viewers;

namespace Castd.Daemon.Auth;

/// <summary>
/// The gate in front of every HTTP endpoint that is not public (docs/security.md). Each check returns null when the
/// request may go on, or the refusal to answer: 401 with <c>WWW-Authenticate: Bearer</c> for a missing or invalid token,
/// 403 for a valid one that does not allow this; each counted by reason. Nothing else has happened by then.
/// </summary>
internal sealed class HttpAccess(TokenVerifier tokens, OperatorAccess operators, AuthCounters counters)
{
    /// <summary>/register, /metrics, the detailed /healthz: operators only.</summary>
    public IResult? RequireOperator(HttpContext context) => operators.IsOperator(context) ? null : Refuse(context, AuthFailure.NotOperator);

    /// <summary>A user's own usage or session list: an operator, or (with keys) a token of that user, any scope.</summary>
    public async ValueTask<IResult?> RequireUserAsync(HttpContext context, string user)
    {
        if (operators.IsOperator(context))
        {
            return null;
        }
        if (!tokens.Enabled)
        {
            return Refuse(context, AuthFailure.NotOperator);
        }
        var failure = await tokens.CheckAsync(HttpCredentials.Token(context.Request), user, scope: null);
        return failure == AuthFailure.None ? null : Refuse(context, failure);
    }

    /// <summary>The sessions API for <paramref name="account"/>: anyone in open mode (as older players expect); with
    /// keys an operator or a <c>session</c> token of that account.</summary>
    public async ValueTask<IResult?> RequireSessionAsync(HttpContext context, string account)
    {
        if (!tokens.Enabled || operators.IsOperator(context))
        {
            return null;
        }
        var failure = await tokens.CheckAsync(HttpCredentials.Token(context.Request), account, TokenScope.Session);
        return failure == AuthFailure.None ? null : Refuse(context, failure, TokenScope.Session);
    }

    /// <summary>Counts the failure and answers it: the status, its one-line reason, and the challenge on a 401.</summary>
    public IResult Refuse(HttpContext context, AuthFailure failure, TokenScope scope = TokenScope.Play)
    {
        counters.Count(failure);
        var (code, text) = AuthFailures.Describe(failure, scope);
        if (code == ViewerReply.Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        return Results.Text(text + "\n", "text/plain; charset=utf-8", statusCode: code);
    }
}
