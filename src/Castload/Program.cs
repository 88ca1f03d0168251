using System.CommandLine;
using Castd.Castload.Sessions;
using Castd.Castload.Source;
using Castd.Castload.View;

var root = new RootCommand("castload — castd's companion: channel-source simulator, viewer load tester and session simulator.")
{
    SourceCommand.Create(),
    ViewCommand.Create(),
    SessionsCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
