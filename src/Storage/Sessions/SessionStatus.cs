namespace Castd.Storage.Sessions;

public enum SessionStatus
{
    Active,
    /// <summary>Over the account's limit when it was opened (SPEC §5: "Threshold Limit reached").</summary>
    Dropped,
}
