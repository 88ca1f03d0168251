using static Castd.Protocol.Viewers.ViewerReply;

namespace Castd.Daemon.Auth;

/// <summary>Why a credential was refused; counted by reason (<c>castd_auth_refusals_total</c>).</summary>
internal enum AuthFailure
{
    None,
    MissingToken,
    MalformedToken,
    NoExpiry,
    BadSignature,
    UnknownKey,
    Expired,
    NotYetValid,
    WrongUser,
    WrongChannel,
    MissingScope,
    NotOperator,
    BadRelaySecret,
    AddressNotAllowed,
    OriginNotAllowed,
}

/// <summary>The refusal each failure gets: 401 when the credential is missing or not castd's, 403 when it is valid but not for this.</summary>
internal static class AuthFailures
{
    public static (int Code, string Text) Describe(AuthFailure failure, TokenScope scope = TokenScope.Play) => failure switch
    {
        AuthFailure.MissingToken => (Unauthorized, "missing token"),
        AuthFailure.MalformedToken => (Unauthorized, "malformed token"),
        AuthFailure.NoExpiry => (Unauthorized, "token without exp"),
        AuthFailure.BadSignature => (Unauthorized, "bad token signature"),
        AuthFailure.UnknownKey => (Unauthorized, "unknown token key id"),
        AuthFailure.Expired => (Unauthorized, "token expired"),
        AuthFailure.NotYetValid => (Unauthorized, "token not yet valid"),
        AuthFailure.WrongUser => (Forbidden, "token is for another user"),
        AuthFailure.WrongChannel => (Forbidden, "token is for another channel"),
        AuthFailure.MissingScope => (Forbidden, $"token lacks scope {ScopeWord(scope)}"),
        AuthFailure.NotOperator => (Forbidden, "operators only: a CASTD_ADMIN_TOKEN bearer token or an address in CASTD_ADMIN_ALLOW"),
        AuthFailure.BadRelaySecret => (Unauthorized, "relay secret required: first line RELAY <secret>"),
        AuthFailure.AddressNotAllowed => (Forbidden, "address not allowed"),
        AuthFailure.OriginNotAllowed => (Forbidden, "origin not allowed"),
        _ => (Unauthorized, "refused"),
    };

    public static string ScopeWord(TokenScope scope) => scope switch
    {
        TokenScope.Play => "play",
        TokenScope.Chat => "chat",
        _ => "session",
    };
}
