using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace JobQueue.Hosting.Dashboard;

/// <summary>
/// Browser-token login, as Aspire's dashboard does it: <c>/login?t=&lt;token&gt;</c> (the link the AppHost
/// prints) or the token pasted into the form sets an auth cookie; every other page needs it.
/// </summary>
internal static class LoginEndpoints
{
    /// <summary>A login's own id (random, not a secret): what the action log says did what.</summary>
    public const string SessionClaim = "session";

    public static RouteGroupBuilder MapLogin(this IEndpointRouteBuilder routes, string token)
    {
        var login = routes.MapGroup("/login").AllowAnonymous();
        login.MapGet("/", async (HttpContext http, string? t, string? returnUrl) =>
            t is null ? Form(error: false) : await SignInAsync(http, t, token, returnUrl));
        login.MapPost("/", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            return await SignInAsync(http, form["token"], token, form["returnUrl"]);
        }).DisableAntiforgery();
        return login;
    }

    private static async Task<IResult> SignInAsync(HttpContext http, string? presented, string token, string? returnUrl)
    {
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token)))
        {
            return Form(error: true);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "dashboard"), new Claim(SessionClaim, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)))],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        // Only local paths: an open redirect would let a link send the user anywhere after login.
        return Results.LocalRedirect(returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//") ? url : "/");
    }

    private static IResult Form(bool error) => Results.Content($$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>JobQueue dashboard - login</title>
        <style>body{font-family:"Segoe UI",system-ui,sans-serif;display:grid;place-items:center;height:100vh;margin:0;background:#f5f5f5}
        form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 2px 8px #0002;display:grid;gap:.75rem;min-width:22rem}
        input{padding:.5rem;font-size:1rem}button{padding:.5rem;font-size:1rem;background:#0f6cbd;color:#fff;border:0;border-radius:4px}
        .error{color:#c50f1f}</style></head>
        <body><form method="post" action="/login">
        <h2>JobQueue dashboard</h2>
        <label for="token">Browser token (printed by the AppHost at start)</label>
        <input id="token" name="token" type="password" autocomplete="off" autofocus>
        {{(error ? "<div class=\"error\">That token is not valid.</div>" : "")}}
        <button type="submit">Log in</button>
        </form></body></html>
        """, "text/html", statusCode: error ? (int)HttpStatusCode.Unauthorized : (int)HttpStatusCode.OK);
}
