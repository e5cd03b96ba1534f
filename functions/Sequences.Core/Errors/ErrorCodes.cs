namespace Sequences.Core.Errors;

/// <summary>Stable error codes, as they appear in problem+json <c>code</c>.</summary>
public static class ErrorCodes
{
    public const string MalformedJson = "MALFORMED_JSON";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string NotFound = "NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>Storage could not be reached or was overloaded: nothing was done (or it is safe to repeat); retry after Retry-After.</summary>
    public const string StorageUnavailable = "STORAGE_UNAVAILABLE";
    public const string ConcurrentUpdate = "CONCURRENT_UPDATE";
    public const string InvalidTemplate = "INVALID_TEMPLATE";
    public const string EntityTooLarge = "ENTITY_TOO_LARGE";

    /// <summary>A step's template hit a rendering bound (<c>TemplateLimits</c>): a permanent failure of that step.</summary>
    public const string TemplateLimitExceeded = "TEMPLATE_LIMIT_EXCEEDED";

    /// <summary>A step's template failed to render for another reason: a permanent failure of that step.</summary>
    public const string TemplateRenderFailed = "TEMPLATE_RENDER_FAILED";

    /// <summary>The mail system refused the message permanently for a reason other than the recipient (sender, content, policy): the step pauses.</summary>
    public const string SendRejected = "SEND_REJECTED";

    /// <summary>Sending kept failing (connection refused, 4xx) for <see cref="Decisions.StepPolicy.MaxSendAttempts"/> attempts in a row: the step pauses.</summary>
    public const string SendFailing = "SEND_FAILING";

    public const string UserNotFound = "USER_NOT_FOUND";
    public const string ContactNotFound = "CONTACT_NOT_FOUND";
    public const string SequenceNotFound = "SEQUENCE_NOT_FOUND";
    public const string EnrollmentNotFound = "ENROLLMENT_NOT_FOUND";
    public const string TaskNotFound = "TASK_NOT_FOUND";

    public const string AlreadyEnrolled = "ALREADY_ENROLLED";
    public const string ContactHasNoEmail = "CONTACT_HAS_NO_EMAIL";
    public const string ContactPreviouslyBounced = "CONTACT_PREVIOUSLY_BOUNCED";
    public const string ContactUnsubscribed = "CONTACT_UNSUBSCRIBED";
    public const string SenderNotFound = "SENDER_NOT_FOUND";
    public const string SenderInactive = "SENDER_INACTIVE";
    public const string SequenceNotSharedWithSender = "SEQUENCE_NOT_SHARED_WITH_SENDER";
    public const string SenderMailboxNotConnected = "SENDER_MAILBOX_NOT_CONNECTED";
    public const string MissingTokenValues = "MISSING_TOKEN_VALUES";
    public const string SendLimitReached = "SEND_LIMIT_REACHED";
    public const string InvalidStartStep = "INVALID_START_STEP";
    public const string InvalidTimeZone = "INVALID_TIME_ZONE";
    public const string SequenceHasNoSteps = "SEQUENCE_HAS_NO_STEPS";
    public const string EnrollmentEnded = "ENROLLMENT_ENDED";
    public const string TaskNotOpen = "TASK_NOT_OPEN";
    public const string BatchTooLarge = "BATCH_TOO_LARGE";
    public const string RuleNotFound = "RULE_NOT_FOUND";
    public const string ListNotFound = "LIST_NOT_FOUND";
    public const string SequenceDeleted = "SEQUENCE_DELETED";
    public const string PreconditionFailed = "PRECONDITION_FAILED";
    public const string StepsInUse = "STEPS_IN_USE";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
    public const string IdempotentRequestInProgress = "IDEMPOTENT_REQUEST_IN_PROGRESS";

    /// <summary>An inbound message (raw, or from a provider's form) is not valid MIME.</summary>
    public const string MalformedMime = "MALFORMED_MIME";

    /// <summary>An inbound provider's post does not verify with the configured signing key.</summary>
    public const string InvalidSignature = "INVALID_SIGNATURE";
}
