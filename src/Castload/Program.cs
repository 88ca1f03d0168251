using System.CommandLine;
using Castd.Castload.Source;
using Castd.Castload.View;

var root = new RootCommand("castload — castd's companion: channel-source simulator and viewer load tester.")
{
    SourceCommand.Create(),
    ViewCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
