using System.Diagnostics;
using Sequences.Core.Errors;
using Sequences.Core.Rendering;

namespace Sequences.Core.Tests;

public sealed class TemplateTests
{
    private static readonly TokenModel Model = new(
        Fixtures.Contact(properties: new Dictionary<string, string> { ["n"] = "100000000" }), Fixtures.Sender(), new Dictionary<string, string>());

    [Theory]
    [InlineData("Hi {{ contact.firstName | defualt: \"there\" }}", "Line 1: unknown filter 'defualt'.")]
    [InlineData("Hi\n\n{% include \"secret\" %}", "Line 3: 'include' is not supported: there are no partials.")]
    [InlineData("Hi\n{% render 'secret' %}", "Line 2: 'render' is not supported: there are no partials.")]
    public void Saving_a_template_names_the_line_and_the_problem(string source, string expected) =>
        Assert.Equal([expected], TemplateEngine.Problems(source));

    [Theory]
    [InlineData("Hi {{ contact.firstName ")]
    [InlineData("line one\n{% if x %}never closed")]
    [InlineData("{% frobnicate %}")]
    public void Syntax_errors_and_unknown_tags_are_problems_with_a_line(string source)
    {
        var problem = Assert.Single(TemplateEngine.Problems(source));
        Assert.Matches(@"^Line \d+: Liquid syntax error: ", problem);
    }

    [Theory]
    [InlineData("Hi {{ contact.firstName | default: \"there\" | upcase }}")]
    [InlineData("{% for i in (1..3) %}{{ i }}{% endfor %}")]
    [InlineData("")]
    public void Good_templates_have_no_problems(string source) => Assert.Empty(TemplateEngine.Problems(source));

    [Theory]
    [InlineData("{% for i in (1..100000000) %}{{ i }}{% endfor %}", "range")]
    [InlineData("{% for i in (1..contact.properties.n) %}x{% endfor %}", "range")]
    [InlineData("{% assign s = \"xxxxxxxxxx\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}", "text value")]
    [InlineData("{{ (1..9999) | join: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" }}", "'join'")]
    [InlineData("{% assign a = \"ab\" | split: \"\" %}{% for i in (1..30) %}{% assign a = a | concat: a %}{% endfor %}", "list")]
    [InlineData("{% assign s = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" %}{% assign s = s | append: s | append: s | append: s | append: s | append: s | append: s | append: s | append: s | append: s | append: s %}{{ s | replace: \"x\", s }}", "'replace'")]
    [InlineData("{% for i in (1..5000) %}{% for j in (1..5000) %}{% endfor %}{% endfor %}", "loop iterations")]
    [InlineData("{% for i in (1..10000) %}{{ \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" }}{% endfor %}", "output")]
    [InlineData("{% capture c %}{% for i in (1..9000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}{% endcapture %}", "")]
    public void Rendering_stops_at_a_bound_quickly_with_a_limit_code(string source, string what)
    {
        Assert.Empty(TemplateEngine.Problems(source));
        var clock = Stopwatch.StartNew();
        var failure = Assert.Throws<TemplateException>(() => TemplateEngine.Render(source, Model, html: true));
        Assert.Equal(ErrorCodes.TemplateLimitExceeded, failure.Code);
        Assert.Contains(what, failure.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TemplateLimits.MaxRenderTime + TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_template_saved_before_checks_fails_to_render_with_a_code_instead_of_reading_a_partial()
    {
        var failure = Assert.Throws<TemplateException>(() => TemplateEngine.Render("{% include 'secret' %}", Model, html: false));
        Assert.Equal(ErrorCodes.TemplateRenderFailed, failure.Code);
    }

    [Fact]
    public void Ordinary_templates_render_as_before()
    {
        Assert.Equal("Hi ANN, 1-2-3", TemplateEngine.Render("Hi {{ contact.firstName | upcase }}, {{ (1..3) | join: \"-\" }}", Model, html: false));
        Assert.Equal("a &amp; b", TemplateEngine.Render("{{ x | default: \"a & b\" }}", Model, html: true));
    }
}
