using Castd.Daemon.Auth;
using Castd.Daemon.Hosting;
using Castd.Storage;

if (args is ["--help"] or ["-h"])
{
    Console.Write(Settings.HelpText());
    return 0;
}
if (args is ["doctor", ..])
{
    return Doctor.Run(args.AsSpan(1), Console.Out, Console.Error);
}
if (args is ["token", ..])
{
    return TokenCommand.Run(args[1..], Console.Out, Console.Error);
}

CastdOptions options;
(ulong Http, ulong Stream)? passedSockets;
TokenVerifier tokens;
TlsCertificates certificates;
try
{
    options = CastdOptions.FromEnvironment(Environment.GetEnvironmentVariable);
    passedSockets = SystemdSockets.Find(Environment.GetEnvironmentVariable, options.ServerPort, options.StreamPort);
    tokens = new TokenVerifier(options.Auth, TimeProvider.System);
    certificates = new TlsCertificates(options.TlsCertPath, options.TlsKeyPath);
}
catch (Exception ex) when (ex is FormatException or IOException or System.Security.Cryptography.CryptographicException)
{
    Console.Error.WriteLine($"castd: {ex.Message}");
    return 2;
}

// Opened before the host starts, so systemd's READY=1 (sent once the host has started) means storage is open
// (RocksDB) or configured (Redis, which castd reconnects to by itself and reports at /readyz).
IStateBackend backend;
try
{
    backend = await StateBackends.OpenAsync(new StateBackendOptions(options.Redis, options.DataDirectory, options.StoreWriteBufferBytes, options.Sessions.MaxStreamsPerUser, options.Sessions.Ttl, TimeProvider.System));
}
catch (StorageException ex)
{
    Console.Error.WriteLine($"castd: cannot open the state store: {ex.Message}");
    return 1;
}

await using (backend)
{
    try
    {
        await CastdHost.Build(args, options, passedSockets, backend, TimeProvider.System, tokens, certificates).RunAsync();
    }
    catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException)
    {
        Console.Error.WriteLine($"castd: cannot listen: {ex.Message}");
        return 1;
    }
}
return 0;
