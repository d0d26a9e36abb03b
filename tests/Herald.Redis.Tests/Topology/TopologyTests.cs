using StackExchange.Redis;

namespace Herald.Redis.Tests.Topology;

/// <summary>The topology tests start up to four redis-server processes each; on two cores they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TopologyCollection
{
    public const string Name = "Redis topologies";
}

/// <summary>
/// Proves each topology helper against real processes, so a Herald test built on one fails for Herald's reasons, not
/// because the helper quietly did not do what its name says.
/// </summary>
[Collection(TopologyCollection.Name)]
public sealed class TopologyTests
{
    [Fact]
    public async Task Server_CommandWithSpaces_ReadsBackWholeReplies()
    {
        await using RedisServer redis = await RedisServer.StartAsync();

        Assert.Equal("OK", await redis.CommandAsync("SET", "greeting", "hello, wide world"));
        Assert.Equal("hello, wide world", await redis.CommandAsync("GET", "greeting"));
        Assert.Equal("(nil)", await redis.CommandAsync("GET", "missing"));
        Assert.Equal("3", await redis.CommandAsync("RPUSH", "list", "a b", "", "c"));
        Assert.Equal("[a b, , c]", await redis.CommandAsync("LRANGE", "list", "0", "-1"));
        RespValue range = await redis.ExecuteAsync("LRANGE", "list", "0", "-1");
        Assert.Equal(["a b", "", "c"], range.Items.Select(item => item.Text));
        RedisReplyException error = await Assert.ThrowsAsync<RedisReplyException>(() => redis.CommandAsync("INCR", "greeting"));
        Assert.StartsWith("ERR ", error.Error, StringComparison.Ordinal);
        Assert.StartsWith("+PONG", await redis.CommandAsync("PING", CancellationToken.None), StringComparison.Ordinal); // the inline helper still works
    }

    [Fact]
    public async Task Server_ClientList_ShowsANamedClientAndTheAskingConnection()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        ConfigurationOptions configuration = redis.Configuration;
        configuration.ClientName = "topology-probe";
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        await connection.GetDatabase().StringSetAsync("k", "v");

        IReadOnlyList<ClientInfo> clients = await redis.ClientListAsync();

        ClientInfo probe = Assert.Single(clients, client => client.Name == "topology-probe" && client.Flags.Contains('N', StringComparison.Ordinal));
        Assert.StartsWith("127.0.0.1:", probe.Address, StringComparison.Ordinal);
        Assert.Contains(clients, client => client.Command == "client|list");
    }

    [Fact]
    public async Task Server_KilledAndStartedAgain_RecoversFromTheAof()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await redis.CommandAsync("SET", "k", "kept");
        int pid = redis.ProcessId!.Value;

        await redis.KillAsync();
        Assert.Null(redis.ProcessId);
        await Assert.ThrowsAnyAsync<Exception>(() => redis.CommandAsync("PING")); // refused: nothing listens
        await redis.StartAgainAsync();

        Assert.NotEqual(pid, redis.ProcessId);
        Assert.Equal("kept", await redis.CommandAsync("GET", "k"));
    }

    [Fact]
    public async Task ReplicaSet_WriteOnPrimaryReachesReplica_AfterDetachItDoesNot()
    {
        await using RedisReplicaSet set = await RedisReplicaSet.StartAsync(replicas: 1);
        RedisServer replica = set.Replicas[0];
        Assert.Equal($"redis://{set.Primary.Endpoint},{replica.Endpoint}", set.Uri);

        // Through StackExchange.Redis on the multi-endpoint URI: it must find the primary among the two.
        await using (ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(set.Configuration))
        {
            Assert.True(await connection.GetDatabase().StringSetAsync("before", "1"));
        }

        await set.WaitReplicatedAsync();
        Assert.Equal("1", await replica.CommandAsync("GET", "before"));

        await set.DetachReplicaAsync(0);
        await set.Primary.CommandAsync("SET", "after", "2");
        await set.WaitReplicatedAsync(); // no attached replica is left: returns at once
        await Task.Delay(300); // a write still in flight would have landed by now

        Assert.Equal("(nil)", await replica.CommandAsync("GET", "after"));
        Assert.Equal("1", await replica.CommandAsync("GET", "before"));
        IReadOnlyDictionary<string, string> info = await replica.InfoAsync("replication");
        Assert.Equal("slave", info["role"]);
        Assert.Equal("down", info["master_link_status"]);
        RedisReplyException readOnly = await Assert.ThrowsAsync<RedisReplyException>(() => replica.CommandAsync("SET", "after", "3"));
        Assert.StartsWith("READONLY", readOnly.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplicaSet_PausedReplicaFallsBehind_ResumedItCatchesUp()
    {
        await using RedisReplicaSet set = await RedisReplicaSet.StartAsync(replicas: 2);
        RedisServer paused = set.Replicas[1];

        await paused.PauseAsync();

        // WAIT counts the replicas that acknowledged this connection's writes, so it shares the SET's connection:
        // only the running replica acknowledges; the paused one cannot.
        IReadOnlyList<RespValue> replies = await set.Primary.PipelineAsync(["SET", "k", "while paused"], ["WAIT", "2", "1000"]);
        Assert.Equal(["OK", "1"], replies.Select(reply => reply.ToString()));
        Assert.Equal("while paused", await set.Replicas[0].CommandAsync("GET", "k"));
        using (var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            // The paused one accepts a connection (the kernel does that) but never answers.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => paused.ExecuteAsync(["PING"], shortWait.Token));
        }

        await paused.ResumeAsync();
        await set.WaitReplicatedAsync();
        Assert.Equal("while paused", await paused.CommandAsync("GET", "k"));
    }

    [Fact]
    public async Task ReplicaSet_PrimaryKilled_PromotedReplicaHasTheDataAndTakesWrites()
    {
        await using RedisReplicaSet set = await RedisReplicaSet.StartAsync(replicas: 1);
        RedisServer replica = set.Replicas[0];
        await set.Primary.CommandAsync("SET", "k", "replicated");
        await set.WaitReplicatedAsync();

        await set.KillPrimaryAsync();
        await set.PromoteAsync(0);

        Assert.Equal("master", (await replica.InfoAsync("replication"))["role"]);
        Assert.Equal("replicated", await replica.CommandAsync("GET", "k"));
        Assert.Equal("OK", await replica.CommandAsync("SET", "k", "after failover"));
        await Assert.ThrowsAsync<InvalidOperationException>(set.WaitReplicatedAsync);
    }

    [Fact]
    public async Task Cluster_IsOkOnEveryNode_HashTagsLandOnTheirNodes()
    {
        await using RedisCluster cluster = await RedisCluster.StartAsync(primaries: 3);
        Assert.Equal(3, cluster.Uri.Split(',').Length);
        foreach (RedisServer node in cluster.Nodes)
        {
            Assert.Contains("cluster_state:ok", await node.CommandAsync("CLUSTER", "INFO"), StringComparison.Ordinal);
        }

        // {a} hashes to slot 15495 and {b} to slot 3300: the last and the first third of the slots.
        Assert.Equal(15495, await cluster.KeySlotAsync("{a}events"));
        Assert.Equal(3300, await cluster.KeySlotAsync("{b}events"));
        int portA = await cluster.PortOfKeyAsync("{a}events");
        int portB = await cluster.PortOfKeyAsync("{b}events");
        Assert.NotEqual(portA, portB);

        await using (ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration))
        {
            IDatabase database = connection.GetDatabase();
            await database.StringSetAsync("{a}events", "on A");
            await database.StringSetAsync("{b}events", "on B");
        }

        // Each key is on the node the helper names, and only there (another node answers -MOVED).
        RedisServer nodeA = await cluster.NodeOfKeyAsync("{a}events");
        Assert.Equal(portA, nodeA.Port);
        Assert.Equal("on A", await nodeA.CommandAsync("GET", "{a}events"));
        Assert.Equal("on B", await (await cluster.NodeOfKeyAsync("{b}events")).CommandAsync("GET", "{b}events"));
        RedisReplyException moved = await Assert.ThrowsAsync<RedisReplyException>(() => nodeA.CommandAsync("GET", "{b}events"));
        Assert.StartsWith("MOVED 3300 127.0.0.1:", moved.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_StackExchangeRedisTrustsTheCa_SetAndGet()
    {
        await using RedisServer redis = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        Assert.StartsWith("rediss://127.0.0.1:", redis.Uri, StringComparison.Ordinal);
        Assert.True(File.Exists(redis.Tls!.CaCertificatePath));

        await using (ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration))
        {
            IDatabase database = connection.GetDatabase();
            Assert.True(await database.StringSetAsync("secret", "over tls"));
            Assert.Equal("over tls", (string?)await database.StringGetAsync("secret"));
        }

        // The helper's own connection speaks TLS as well.
        Assert.Equal("over tls", await redis.CommandAsync("GET", "secret"));

        // A client that does not trust the CA is refused: the server really presents the test CA's certificate.
        ConfigurationOptions untrusting = RedisUri.Parse(redis.Uri);
        untrusting.AbortOnConnectFail = true;
        untrusting.ConnectTimeout = 2000;
        await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(untrusting));
    }
}
