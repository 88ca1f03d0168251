using System.CommandLine;
using Castd.Castload.Abuse;
using Castd.Castload.Bench;
using Castd.Castload.Chat;
using Castd.Castload.Fans;
using Castd.Castload.FirstFrame;
using Castd.Castload.Monitor;
using Castd.Castload.Report;
using Castd.Castload.Sessions;
using Castd.Castload.Source;
using Castd.Castload.View;

var root = new RootCommand("castload — castd's companion: channel-source simulator, viewer load tester and session simulator, chat load test, live-event rehearsal (fans) and its report, synthetic monitor, fan-out benchmark, viewer abuse.")
{
    SourceCommand.Create(),
    ViewCommand.Create(),
    SessionsCommand.Create(),
    BenchCommand.Create(),
    ChatCommand.Create(),
    FansCommand.Create(),
    ReportCommand.Create(),
    MonitorCommand.Create(),
    FirstFrameCommand.Create(),
    AbuseCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
