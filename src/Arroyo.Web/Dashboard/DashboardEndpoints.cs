using System.Reflection;
using Arroyo.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Arroyo.Web.Dashboard;

/// <summary>
/// The dashboard: one page (<c>/pipelines/{id}</c>, <c>/</c> redirects there) and its script and
/// style, embedded in this assembly; everything it shows comes from the REST API.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly Dictionary<string, string> s_types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static void Map(IEndpointRouteBuilder app, PipelineSlot slot)
    {
        app.MapGet("/", () => Results.Redirect($"/pipelines/{slot.Pipeline.Id}")).ExcludeFromDescription();
        app.MapGet("/pipelines/{id}", (string id) => Asset("index.html")).ExcludeFromDescription();
        app.MapGet("/assets/{name}", (string name) => Asset(name)).ExcludeFromDescription();
    }

    private static IResult Asset(string name)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + name);
        if (stream is null) return Results.NotFound();
        return Results.Stream(stream, s_types.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
    }
}
