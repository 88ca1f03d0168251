namespace Castd.Storage.Sessions;

public enum SessionStatus
{
    Active,
    /// <summary>Over the account's limit when it was opened (docs/sessions.md: "Threshold Limit reached").</summary>
    Dropped,
}
