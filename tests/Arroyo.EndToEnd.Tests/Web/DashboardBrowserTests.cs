using Arroyo.EndToEnd.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Arroyo.EndToEnd.Tests.Web;

/// <summary>
/// The dashboard in a real browser: Debian's headless Chromium driven through its
/// chromedriver (scripts/install-test-deps.sh installs both). The screenshot is kept as a test
/// artifact in .build/test-artifacts/.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string DriverDirectory = "/usr/bin";

    [Fact]
    public async Task The_dashboard_draws_every_node_of_the_graph_and_its_numbers_move()
    {
        if (!File.Exists(ChromiumPath) || !File.Exists(Path.Combine(DriverDirectory, "chromedriver")))
        {
            Assert.Skip("chromium and chromium-driver are not installed (scripts/install-test-deps.sh installs them)");
        }
        using var dir = new TempDirectory();
        // Three operators (a filter, a key projection, a windowed count) between source and sink.
        File.WriteAllText(dir.File("q.sql"), """
            CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '2000');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT counter % 10 AS k, count(*) AS c FROM impulse WHERE counter % 3 != 0
            GROUP BY tumble(interval '1 second'), counter % 10;
            """);
        using var served = ServedPipeline.Start(dir.File("q.sql"), dir.File("state"));
        var pipeline = await served.GetJsonAsync($"api/v1/pipelines/{served.PipelineId}");
        var nodeIds = pipeline.GetProperty("graph").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node_id").GetInt32()).ToList();
        var source = pipeline.GetProperty("graph").GetProperty("nodes").EnumerateArray()
            .Single(n => n.GetProperty("operator").GetString() == "Source").GetProperty("node_id").GetInt32();

        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1100");
        using var service = ChromeDriverService.CreateDefaultService(DriverDirectory, "chromedriver");
        service.HideCommandPromptWindow = true;
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30)) { PollingInterval = TimeSpan.FromMilliseconds(100) };

        driver.Navigate().GoToUrl(new Uri(served.BaseAddress, $"pipelines/{served.PipelineId}"));
        var drawn = wait.Until(d => d.FindElements(By.CssSelector("#graph .node")) is { Count: > 0 } nodes && nodes.Count == nodeIds.Count ? nodes : null);
        Assert.Equal(nodeIds.Order(), drawn.Select(n => int.Parse(n.GetAttribute("data-node-id")!)).Order());
        Assert.Equal(nodeIds.Count - 1, driver.FindElements(By.CssSelector("#graph .edge")).Count);
        Assert.Contains("CREATE TABLE impulse", driver.FindElement(By.Id("query")).Text);
        Assert.Equal("running", driver.FindElement(By.Id("pipeline-state")).Text.ToLowerInvariant());

        // The source's row count on the graph changes while the pipeline runs.
        var totals = By.CssSelector($"#graph .node[data-node-id='{source}'] [data-role=totals]");
        var first = wait.Until(d => d.FindElement(totals).Text is var t && t.StartsWith("rows out", StringComparison.Ordinal) && t != "rows out 0" ? t : null);
        wait.Until(d => d.FindElement(totals).Text != first);
        // A rate chart line and a completed checkpoint row appear.
        wait.Until(d => d.FindElements(By.CssSelector("#rate-chart polyline")).Count > 0);
        wait.Until(d => d.FindElements(By.CssSelector("#checkpoints td.status-completed")).Count > 0);
        Assert.Equal(nodeIds.Count, driver.FindElements(By.CssSelector("#operators tbody tr")).Count);

        var screenshot = ((ITakesScreenshot)driver).GetScreenshot();
        var artifacts = Path.Combine(RepositoryRoot(), ".build", "test-artifacts");
        Directory.CreateDirectory(artifacts);
        var path = Path.Combine(artifacts, "dashboard.png");
        screenshot.SaveAsFile(path);
        TestContext.Current.AddAttachment("dashboard.png", screenshot.AsByteArray, "image/png");
        Assert.True(new FileInfo(path).Length > 10_000, "the screenshot has content");

        using var stop = await served.StopAsync();
        Assert.Equal(0, served.Process.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Arroyo.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}
