using Sequences.Core.Automation;
using Sequences.Core.Errors;
using static Sequences.Core.Tests.Fixtures;

namespace Sequences.Core.Tests;

public class AutomationTests
{
    private static AutomationEvent Form(string? formId) => new(RuleTrigger.FormSubmission, "e1", formId, null, "c1", null, null, Monday9);

    private static AutomationEvent View(string url) => new(RuleTrigger.PageView, "e1", null, url, "c1", null, null, Monday9);

    [Theory]
    [InlineData(null, "contact-us", true)]
    [InlineData(null, null, true)]
    [InlineData("contact-us", "contact-us", true)]
    [InlineData("contact-us", "Contact-Us", false)]
    [InlineData("contact-us", "demo", false)]
    public void Form_rules_match_any_form_or_their_own(string? ruleForm, string? eventForm, bool matches) =>
        Assert.Equal(matches, RuleMatching.Matches(new RuleTrigger(RuleTrigger.FormSubmission, ruleForm), Form(eventForm)));

    [Theory]
    [InlineData("https://acme.test/pricing", "https://acme.test/pricing", true)]
    [InlineData("https://acme.test/pricing", "HTTPS://ACME.TEST/pricing/", true)]
    [InlineData("https://acme.test/pricing", "https://acme.test:443/pricing#plans", true)]
    [InlineData("https://acme.test/pricing", "https://acme.test/Pricing", false)]
    [InlineData("https://acme.test/pricing", "http://acme.test/pricing", false)]
    [InlineData("https://acme.test/pricing?plan=pro", "https://acme.test/pricing/?plan=pro", true)]
    [InlineData("https://acme.test/pricing", "https://acme.test/pricing?plan=pro", false)]
    [InlineData("https://acme.test/", "https://ACME.test", true)]
    public void Equals_rules_compare_normalised_urls_with_their_query(string rule, string viewed, bool matches) =>
        Assert.Equal(matches, RuleMatching.Matches(new RuleTrigger(RuleTrigger.PageView, null, rule, RuleTrigger.MatchEquals), View(viewed)));

    [Theory]
    [InlineData("/pricing", "https://acme.test/pricing?plan=pro#x", true)]
    [InlineData("/pricing/", "https://ACME.test/en/pricing", true)]
    [InlineData("https://acme.test/docs", "https://acme.test/docs/setup", true)]
    [InlineData("HTTPS://Acme.Test/docs/", "https://acme.test/docs/setup", true)]
    [InlineData("/pricing", "https://acme.test/blog", false)]
    [InlineData("plan=pro", "https://acme.test/pricing?plan=pro", true)]
    [InlineData("https://shop.example/Pricing", "https://shop.example/pricing/", true)]
    [InlineData("/PRICING", "https://acme.test/en/Pricing?Plan=Pro", true)]
    [InlineData("plan=PRO", "https://acme.test/pricing?plan=pro", true)]
    public void Contains_rules_look_for_their_text_in_the_normalised_url_ignoring_case(string rule, string viewed, bool matches) =>
        Assert.Equal(matches, RuleMatching.Matches(new RuleTrigger(RuleTrigger.PageView, null, rule, RuleTrigger.MatchContains), View(viewed)));

    [Fact]
    public void A_rule_only_matches_its_own_kind_of_event()
    {
        Assert.False(RuleMatching.Matches(new RuleTrigger(RuleTrigger.FormSubmission), View("https://acme.test")));
        Assert.False(RuleMatching.Matches(new RuleTrigger(RuleTrigger.PageView, null, "https://acme.test", RuleTrigger.MatchEquals), Form("f")));
    }

    [Fact]
    public void The_contact_owner_comes_from_the_named_property_or_owner_user_id()
    {
        var contact = Contact(properties: new() { ["salesRep"] = " sam@acme.test " }) with { OwnerUserId = "u7" };
        Assert.Equal("u7", RuleMatching.OwnerReference(new RuleSender(RuleSender.ContactOwner), contact));
        Assert.Equal("sam@acme.test", RuleMatching.OwnerReference(new RuleSender(RuleSender.ContactOwner, null, "salesRep"), contact));
        Assert.Null(RuleMatching.OwnerReference(new RuleSender(RuleSender.ContactOwner, null, "missing"), contact));
    }

    [Fact]
    public void A_valid_rule_is_built_with_defaults()
    {
        var rule = RuleValidation.Build("r1", "s1", new RuleCommand(new TriggerCommand("pageView", Url: "https://acme.test/pricing"), "enroll", new SenderCommand("contactOwner"), 30), null, Monday9).Value!;
        Assert.Equal(RuleTrigger.MatchEquals, rule.Trigger.Match);
        Assert.Equal(RuleSender.DefaultOwnerProperty, rule.Sender.Property);
        Assert.True(rule.Enabled);
        Assert.Equal(30, rule.DelayMinutes);
    }

    [Theory]
    [InlineData("{}", "trigger")]
    [InlineData("badtype", "trigger.type")]
    [InlineData("noaction", "action")]
    [InlineData("delay", "delayMinutes")]
    [InlineData("unenrolldelay", "delayMinutes")]
    [InlineData("nosender", "sender")]
    [InlineData("userwithoutid", "sender.userId")]
    [InlineData("relativeequals", "trigger.url")]
    [InlineData("badmatch", "trigger.match")]
    public void Every_invalid_rule_names_its_field(string variant, string field)
    {
        var form = new TriggerCommand("formSubmission");
        var command = variant switch
        {
            "{}" => new RuleCommand(null, "enroll", new SenderCommand("user", "u1")),
            "badtype" => new RuleCommand(new TriggerCommand("emailOpened"), "enroll", new SenderCommand("user", "u1")),
            "noaction" => new RuleCommand(form, "archive", new SenderCommand("user", "u1")),
            "delay" => new RuleCommand(form, "enroll", new SenderCommand("user", "u1"), 10_081),
            "unenrolldelay" => new RuleCommand(form, "unenroll", null, 5),
            "nosender" => new RuleCommand(form, "enroll"),
            "userwithoutid" => new RuleCommand(form, "enroll", new SenderCommand("user")),
            "relativeequals" => new RuleCommand(new TriggerCommand("pageView", Url: "/pricing"), "unenroll"),
            _ => new RuleCommand(new TriggerCommand("pageView", Url: "https://a.test", Match: "regex"), "unenroll"),
        };
        var error = RuleValidation.Build("r1", "s1", command, null, Monday9).Error!;
        Assert.Equal(ErrorCodes.ValidationFailed, error.Code);
        Assert.Contains(field, error.Errors!.Keys);
    }
}
