namespace Castd.Protocol.Reorder;

public enum InsertOutcome
{
    /// <summary>The ring owns the item now; it comes out through the sink.</summary>
    Accepted,
    /// <summary>The same sequence number is already held: the caller still owns the item.</summary>
    Duplicate,
    /// <summary>Older than the delivery point: the caller still owns the item.</summary>
    Late,
}
