using System.Runtime.InteropServices;

namespace Castd.Daemon.Auth;

/// <summary>
/// SIGHUP (<c>systemctl reload castd</c>) re-reads CASTD_AUTH_KEYS and the TLS certificate without a restart: keys rotate
/// with every viewer kept. A file that does not load leaves what is in use and says why in the log.
/// </summary>
internal sealed class AuthReloadService(AuthOptions options, TokenVerifier tokens, TlsCertificates certificates, ILogger<AuthReloadService> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _hangUp;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!tokens.Enabled)
        {
            AuthLog.OpenMode(logger);
        }
        _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // Handled here: the default action of SIGHUP would end castd.
            context.Cancel = true;
            Reload();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _hangUp?.Dispose();

    private void Reload()
    {
        if (options.KeysPath.Length > 0)
        {
            try
            {
                tokens.Load(options.KeysPath);
                AuthLog.KeysReloaded(logger, string.Join(", ", tokens.KeyIds));
            }
            catch (FormatException e)
            {
                AuthLog.KeysReloadFailed(logger, e.Message);
            }
        }
        if (certificates.Enabled)
        {
            try
            {
                certificates.Load();
                AuthLog.CertificateReloaded(logger, certificates.Subject);
            }
            catch (Exception e) when (e is FormatException or IOException or System.Security.Cryptography.CryptographicException)
            {
                AuthLog.CertificateReloadFailed(logger, e.Message);
            }
        }
    }
}
