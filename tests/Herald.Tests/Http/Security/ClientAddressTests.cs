using System.Net;
using Herald.Http.Security;
using Microsoft.AspNetCore.Http;

namespace Herald.Tests.Http.Security;

/// <summary>docs/protocol.md "Limits": per-address caps count an IPv6 client per /64, so one host cannot take every slot with many addresses.</summary>
public sealed class ClientAddressTests
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe")]
    [InlineData("2001:db8:1:2:aaaa::", "2001:db8:1:2:bbbb::1")]
    public void Of_TwoAddressesInOneSlash64_CountAsOne(string a, string b) =>
        Assert.Equal(ClientAddress.Of(With(a)), ClientAddress.Of(With(b)));

    [Fact]
    public void Of_AddressesInNeighbouringSlash64s_CountApart() =>
        Assert.NotEqual(ClientAddress.Of(With("2001:db8:1:2::1")), ClientAddress.Of(With("2001:db8:1:3::1")));

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("::1", "::1")]
    public void Of_IPv4MappedAndLoopback_CountAlone(string remote, string expected) =>
        Assert.Equal(IPAddress.Parse(expected), ClientAddress.Of(With(remote)));

    [Fact]
    public void Of_IPv4Neighbours_CountApart() =>
        Assert.NotEqual(ClientAddress.Of(With("192.0.2.7")), ClientAddress.Of(With("192.0.2.8")));

    private static DefaultHttpContext With(string address) => new() { Connection = { RemoteIpAddress = IPAddress.Parse(address) } };
}
