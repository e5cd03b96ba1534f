using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Sequences.Core.Errors;
using Sequences.Functions.Hosting;

namespace Sequences.Functions.Api;

/// <summary>The JSON body an HTTP function reads (for the OpenAPI description; the function reads it with <see cref="ApiJson"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class JsonBodyAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;
}

/// <summary>Query-string parameters an HTTP function reads (for the OpenAPI description).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class QueryParametersAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>Request headers an HTTP function reads (for the OpenAPI description; the pipeline's own come from <see cref="HttpPipeline.HeadersOf"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class HeaderParametersAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>A JSON response an HTTP function returning a plain <c>IResult</c> answers (for the OpenAPI description).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class JsonResponseAttribute(int status, Type type, string description) : Attribute
{
    public int Status { get; } = status;
    public Type Type { get; } = type;
    public string Description { get; } = description;
}

/// <summary>
/// Problem codes an HTTP function answers of one <see cref="ErrorKind"/> (its status: <see cref="Problems.StatusOf"/>),
/// for the OpenAPI description. Those every operation of its sort answers are added without being declared:
/// the pipeline's (<see cref="HttpPipeline.ProblemsOf"/>), a JSON body's (<see cref="ApiJson.ReadProblems"/>)
/// and a query string's (<see cref="Query.ReadProblems"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class ProblemCodesAttribute(ErrorKind kind, params string[] codes) : Attribute
{
    public ErrorKind Kind { get; } = kind;
    public IReadOnlyList<string> Codes { get; } = codes;
}

/// <summary>
/// The OpenAPI 3.1 description of the API, generated from the functions both hosts run
/// (<see cref="FunctionCatalog"/>): routes and methods from their triggers, response schemas from
/// their typed results, request schemas from <see cref="JsonBodyAttribute"/>, all through the API's
/// own JSON options (so names and enums are as sent). Objects are closed
/// (<c>additionalProperties: false</c>), as the API reads them strictly. Errors are problem+json,
/// one response per status, each with the <c>code</c>s (from <see cref="ErrorCodes"/>) the operation
/// answers with it (see <see cref="ProblemCodesAttribute"/>).
/// </summary>
internal static class OpenApi
{
    private static readonly Lazy<string> Document = new(() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    [Function(nameof(GetOpenApiDocument))]
    public static IResult GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        Results.Content(Document.Value, "application/json; charset=utf-8");

    /// <summary>The operations described: every HTTP function but the catch-all, this document and the web app's files.</summary>
    public static IEnumerable<FunctionEntry> Described => FunctionCatalog.All.Where(f =>
        f.Kind == TriggerKind.Http && !f.IsCatchAll && f.Name != nameof(GetOpenApiDocument) && f.Http!.Route?.StartsWith("app/", StringComparison.Ordinal) != true);

    public static JsonObject Build()
    {
        var paths = new JsonObject();
        foreach (var f in Described)
        {
            var path = "/" + f.Http!.Route!.TrimStart('/');
            var item = paths[path] as JsonObject ?? (JsonObject)(paths[path] = new JsonObject());
            foreach (var method in f.HttpMethods)
            {
                item[method.ToLowerInvariant()] = Operation(f, path, method);
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject { ["title"] = "Sequences API", ["version"] = "1", ["description"] = "Sales email sequences. Errors are application/problem+json with a stable code." },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject { ["Problem"] = ProblemSchema() },
                ["securitySchemes"] = new JsonObject { ["apiKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "X-Api-Key" } },
            },
        };
    }

    private static JsonObject Operation(FunctionEntry f, string path, string method)
    {
        var parameters = new JsonArray();
        foreach (var name in path.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}', '*')))
        {
            parameters.Add(Parameter(name, "path", required: true));
        }

        foreach (var name in f.Method.GetCustomAttribute<QueryParametersAttribute>()?.Names ?? [])
        {
            parameters.Add(Parameter(name, "query"));
        }

        foreach (var name in (f.Method.GetCustomAttribute<HeaderParametersAttribute>()?.Names ?? []).Concat(HttpPipeline.HeadersOf(path, method)))
        {
            parameters.Add(Parameter(name, "header"));
        }

        var op = new JsonObject
        {
            ["operationId"] = f.Name,
            ["summary"] = Humanize(f.Name),
            ["parameters"] = parameters,
            ["responses"] = Responses(f.Method.ReturnType),
        };
        foreach (var (status, codes) in ProblemCodes(f, path, method))
        {
            op["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = ProblemResponse(status, codes);
        }

        foreach (var r in f.Method.GetCustomAttributes<JsonResponseAttribute>())
        {
            AddJsonResponse(op["responses"]!.AsObject(), r);
        }

        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            op["security"] = new JsonArray(new JsonObject { ["apiKey"] = new JsonArray() });
        }

        if (f.Method.GetCustomAttribute<JsonBodyAttribute>() is { } body)
        {
            op["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Schema(body.Type) } },
            };
        }

        return op;
    }

    private static JsonObject Parameter(string name, string location, bool required = false) =>
        new() { ["name"] = name, ["in"] = location, ["required"] = required, ["schema"] = new JsonObject { ["type"] = "string" } };

    /// <summary>A declared JSON response, beside the problem+json the pipeline may answer with the same status.</summary>
    private static void AddJsonResponse(JsonObject responses, JsonResponseAttribute r)
    {
        var status = r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problem = responses[status] as JsonObject;
        var content = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Schema(r.Type) } };
        if (problem?["content"]?["application/problem+json"] is { } problemContent)
        {
            content["application/problem+json"] = problemContent.DeepClone();
        }

        responses[status] = new JsonObject
        {
            ["description"] = problem is null ? r.Description : $"{r.Description} Or {problem["description"]}",
            ["content"] = content,
        };
    }

    private static JsonObject Responses(Type returnType)
    {
        var type = returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>) ? returnType.GetGenericArguments()[0] : returnType;
        var results = type.IsGenericType && type.Name.StartsWith("Results`", StringComparison.Ordinal) ? type.GetGenericArguments() : [type];
        var responses = new JsonObject();
        foreach (var result in results)
        {
            if (result.IsGenericType && StatusOf(result.GetGenericTypeDefinition()) is { } status)
            {
                responses[status] = new JsonObject
                {
                    ["description"] = result.Name[..result.Name.IndexOf('`')],
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Schema(result.GetGenericArguments()[0]) } },
                };
            }
        }

        if (responses.Count == 0)
        {
            responses["200"] = new JsonObject { ["description"] = "OK" };
        }

        return responses;
    }

    /// <summary>The problem codes the operation answers, by status: its own (<see cref="ProblemCodesAttribute"/>) and those every operation of its sort answers.</summary>
    private static IEnumerable<(int Status, IReadOnlyList<string> Codes)> ProblemCodes(FunctionEntry f, string path, string method) =>
        f.Method.GetCustomAttributes<ProblemCodesAttribute>().SelectMany(a => a.Codes.Select(code => (Status: Problems.StatusOf(a.Kind), Code: code)))
            .Concat(HttpPipeline.ProblemsOf(path, method))
            .Concat(f.Method.IsDefined(typeof(JsonBodyAttribute)) ? ApiJson.ReadProblems : [])
            .Concat(f.Method.IsDefined(typeof(QueryParametersAttribute)) ? Query.ReadProblems : [])
            .GroupBy(p => p.Status, p => p.Code)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Distinct().Order(StringComparer.Ordinal).ToList()));

    /// <summary>A problem+json response: the Problem schema, its <c>code</c> one of <paramref name="codes"/> (open, as the Problem is: some codes add fields).</summary>
    private static JsonObject ProblemResponse(int status, IReadOnlyList<string> codes) => new()
    {
        ["description"] = $"{Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}: {string.Join(", ", codes)}.",
        ["content"] = new JsonObject
        {
            ["application/problem+json"] = new JsonObject
            {
                ["schema"] = new JsonObject
                {
                    ["allOf"] = new JsonArray(
                        new JsonObject { ["$ref"] = "#/components/schemas/Problem" },
                        new JsonObject
                        {
                            ["properties"] = new JsonObject { ["code"] = new JsonObject { ["enum"] = new JsonArray(codes.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()) } },
                            ["additionalProperties"] = true,
                        }),
                },
            },
        },
    };

    private static string? StatusOf(Type definition) =>
        definition == typeof(Ok<>) ? "200" : definition == typeof(Created<>) ? "201" : definition == typeof(Accepted<>) ? "202" : null;

    private static readonly JsonSchemaExporterOptions Exporter = new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = (context, node) =>
        {
            if (node is JsonObject schema && schema["properties"] is JsonObject properties)
            {
                schema.TryAdd("additionalProperties", false);

                // Nulls are not written (and may be left out of requests): a nullable member is optional.
                if (schema["required"] is JsonArray required)
                {
                    foreach (var name in required.Select(r => r!.GetValue<string>()).Where(n => Nullable(properties[n])).ToList())
                    {
                        required.Remove(required.First(r => r!.GetValue<string>() == name));
                    }
                }
            }

            return node;
        },
    };

    private static bool Nullable(JsonNode? schema) => schema is JsonObject o
        && (o["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() == "null")
            || o["type"] is JsonValue single && single.GetValue<string>() == "null"
            || o["enum"] is JsonArray values && values.Any(v => v is null));

    /// <summary>The API's JSON options (the responses' and the bodies' own), readable by the schema exporter.</summary>
    private static readonly JsonSerializerOptions SchemaOptions = ApiJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    });

    public static JsonNode Schema(Type type)
    {
        var schema = SchemaOptions.GetJsonSchemaAsNode(type, Exporter);
        InlineRefs(schema, schema);
        return schema;
    }

    /// <summary>
    /// The exporter writes a type met again in one schema as a <c>$ref</c> to its first place,
    /// relative to that schema (<c>#/properties/contacts/items/…</c>); inside the document a tool
    /// reads such a pointer from the document's root, where it points at nothing. Each is replaced
    /// by a copy of what it points at (the API's types are not recursive).
    /// </summary>
    private static void InlineRefs(JsonNode? node, JsonNode root)
    {
        var children = node switch
        {
            JsonObject o => o.Select(p => (p.Value, Set: (Action<JsonNode>)(v => o[p.Key] = v))).ToList(),
            JsonArray a => a.Select((v, i) => (Value: v, Set: (Action<JsonNode>)(n => a[i] = n))).ToList(),
            _ => [],
        };
        foreach (var (child, set) in children)
        {
            if (child is JsonObject o && o["$ref"] is JsonValue r && r.GetValue<string>() is ['#', '/', ..] pointer)
            {
                var copy = (JsonObject)At(root, pointer).DeepClone();
                foreach (var (key, value) in o.Where(p => p.Key != "$ref"))
                {
                    copy[key] = value?.DeepClone();
                }

                InlineRefs(copy, root);
                set(copy);
            }
            else
            {
                InlineRefs(child, root);
            }
        }
    }

    private static JsonNode At(JsonNode root, string pointer) =>
        pointer[2..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
            .Aggregate(root, (node, part) => (node is JsonArray a ? a[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)] : node[part])
                ?? throw new InvalidOperationException($"The schema's $ref {pointer} points at nothing."));

    private static JsonObject ProblemSchema()
    {
        var codes = new JsonArray(typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (JsonNode)JsonValue.Create((string)f.GetRawConstantValue()!)!).ToArray());
        return new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("title", "status", "code"),
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = "string" },
                ["title"] = new JsonObject { ["type"] = "string" },
                ["status"] = new JsonObject { ["type"] = "integer" },
                ["detail"] = new JsonObject { ["type"] = "string" },
                ["code"] = new JsonObject { ["enum"] = codes },
                ["errors"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } },
            },
            ["description"] = "RFC 9457 problem details; some codes add fields (missingTokens, capacityFreesAt, currentVersion, …).",
        };
    }

    private static string Humanize(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}
