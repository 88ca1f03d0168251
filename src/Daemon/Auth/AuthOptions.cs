using System.Net;

namespace Castd.Daemon.Auth;

/// <summary>Who may do what (docs/security.md): viewer tokens, operators, relay edges, browsers.</summary>
internal sealed class AuthOptions
{
    /// <summary>The key file (<c>kid alg key</c> lines), re-read on SIGHUP; empty: open mode, no tokens asked for.</summary>
    public required string KeysPath { get; init; }
    /// <summary>The operator's bearer token; empty: operators are known by address only.</summary>
    public required string AdminToken { get; init; }
    /// <summary>Addresses whose requests are operators' without a token.</summary>
    public required IPNetwork[] AdminAllow { get; init; }
    /// <summary>Origins a browser page may come from for chat and /live; empty: the default (see <see cref="OriginPolicy"/>).</summary>
    public required string[] AllowedOrigins { get; init; }
    /// <summary>What an edge sends as its first line on the relay port (<c>RELAY &lt;secret&gt;</c>); empty: none asked for.</summary>
    public required string RelaySecret { get; init; }
    /// <summary>Addresses the relay port takes edges from; empty: any.</summary>
    public required IPNetwork[] RelayAllow { get; init; }
}
