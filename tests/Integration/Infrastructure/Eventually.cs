namespace Castd.Tests.Integration.Infrastructure;

/// <summary>Waits for something castd does asynchronously, polling, and fails the test if it never happens.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition never met");
            await Task.Delay(50);
        }
    }
}
