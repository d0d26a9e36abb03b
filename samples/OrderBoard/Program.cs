using OrderBoard;

// `dotnet run` serves http://localhost:5000 with the database in ./orderboard.db; both can be changed with
// --urls and --OrderBoard:Database=<path>.
await using WebApplication app = OrderBoardApp.Build(args);
await app.RunAsync();
