namespace Castd.Daemon.Auth;

/// <summary>Log lines of identity and access (6xx). A token never appears in one: refusals name only their reason.</summary>
internal static partial class AuthLog
{
    [LoggerMessage(600, LogLevel.Warning, "Open mode: CASTD_AUTH_KEYS is not set, so viewers, players, chat and the sessions API take any user id without a token (docs/security.md)")]
    public static partial void OpenMode(ILogger logger);

    [LoggerMessage(601, LogLevel.Information, "Token keys reloaded: {KeyIds}")]
    public static partial void KeysReloaded(ILogger logger, string keyIds);

    [LoggerMessage(602, LogLevel.Error, "Token keys not reloaded, the keys in use stay: {Reason}")]
    public static partial void KeysReloadFailed(ILogger logger, string reason);

    [LoggerMessage(603, LogLevel.Information, "TLS certificate reloaded: {Subject}")]
    public static partial void CertificateReloaded(ILogger logger, string subject);

    [LoggerMessage(604, LogLevel.Error, "TLS certificate not reloaded, the one in use stays: {Reason}")]
    public static partial void CertificateReloadFailed(ILogger logger, string reason);
}
