using System.Reflection;

namespace Orchestrator.Ops.Core;

/// <summary>
/// Every ErrorId the module writes, each defined once with its category. Engine exceptions name theirs through
/// <see cref="IOpsError"/>; cmdlets take theirs from here for the conditions they find themselves (a bad parameter, an
/// id that matched nothing). about_Orchestrator.Ops_Errors says what each means; a test keeps the two in step.
/// </summary>
public static class OpsErrorCodes
{
    private static OpsErrorCode C(string id, OpsErrorCategory category) => new(id, category);

    // Configuration and arguments shared by every cmdlet
    public static readonly OpsErrorCode ConfigurationNotFound = C(nameof(ConfigurationNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode ConfigurationUnreadable = C(nameof(ConfigurationUnreadable), OpsErrorCategory.ReadError);
    public static readonly OpsErrorCode ConfigurationInvalid = C(nameof(ConfigurationInvalid), OpsErrorCategory.InvalidData);
    public static readonly OpsErrorCode ConfigPathWithUri = C(nameof(ConfigPathWithUri), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode WrapperNotFound = C(nameof(WrapperNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode SlotNotFound = C(nameof(SlotNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode UnexpectedError = C(nameof(UnexpectedError), OpsErrorCategory.NotSpecified);

    // The state store
    public static readonly OpsErrorCode StateStoreLocked = C(nameof(StateStoreLocked), OpsErrorCategory.ResourceBusy);
    public static readonly OpsErrorCode StateStoreCorrupt = C(nameof(StateStoreCorrupt), OpsErrorCategory.InvalidData);
    public static readonly OpsErrorCode StateStoreTooNew = C(nameof(StateStoreTooNew), OpsErrorCategory.InvalidOperation);
    public static readonly OpsErrorCode StateStoreUnavailable = C(nameof(StateStoreUnavailable), OpsErrorCategory.ResourceUnavailable);

    // The sandbox, the monitoring service and what they run on
    public static readonly OpsErrorCode SandboxNotFound = C(nameof(SandboxNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode SandboxAlreadyRunning = C(nameof(SandboxAlreadyRunning), OpsErrorCategory.ResourceExists);
    public static readonly OpsErrorCode SandboxFailed = C(nameof(SandboxFailed), OpsErrorCategory.ResourceUnavailable);
    public static readonly OpsErrorCode SandboxNotRunning = C(nameof(SandboxNotRunning), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode ServiceNotFound = C(nameof(ServiceNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode ServiceAlreadyRunning = C(nameof(ServiceAlreadyRunning), OpsErrorCategory.ResourceExists);
    public static readonly OpsErrorCode ServiceFailed = C(nameof(ServiceFailed), OpsErrorCategory.ResourceUnavailable);
    public static readonly OpsErrorCode ServiceNotRunning = C(nameof(ServiceNotRunning), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode DotnetRuntimeMissing = C(nameof(DotnetRuntimeMissing), OpsErrorCategory.NotInstalled);
    public static readonly OpsErrorCode SampleIntervalOutOfRange = C(nameof(SampleIntervalOutOfRange), OpsErrorCategory.InvalidArgument);

    // The monitoring service's API, read with -Uri
    public static readonly OpsErrorCode ApiUriInvalid = C(nameof(ApiUriInvalid), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode ApiKeyMissing = C(nameof(ApiKeyMissing), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode ApiKeyRefused = C(nameof(ApiKeyRefused), OpsErrorCategory.AuthenticationError);
    public static readonly OpsErrorCode ApiNotFound = C(nameof(ApiNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode ApiBadRequest = C(nameof(ApiBadRequest), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode ApiRateLimited = C(nameof(ApiRateLimited), OpsErrorCategory.LimitsExceeded);
    public static readonly OpsErrorCode ApiCertificateRejected = C(nameof(ApiCertificateRejected), OpsErrorCategory.SecurityError);
    public static readonly OpsErrorCode ApiUnavailable = C(nameof(ApiUnavailable), OpsErrorCategory.ConnectionError);

    // Health alerts
    public static readonly OpsErrorCode AlertNotFound = C(nameof(AlertNotFound), OpsErrorCategory.ObjectNotFound);

    // Deployment: switches, deployments, rollback points
    public static readonly OpsErrorCode DeploymentLocked = C(nameof(DeploymentLocked), OpsErrorCategory.ResourceBusy);
    public static readonly OpsErrorCode DeploymentRouterFailed = C(nameof(DeploymentRouterFailed), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode DeploymentCommandFailed = C(nameof(DeploymentCommandFailed), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode DeploymentInvalidRequest = C(nameof(DeploymentInvalidRequest), OpsErrorCategory.InvalidOperation);
    public static readonly OpsErrorCode AnalysisDurationInvalid = C(nameof(AnalysisDurationInvalid), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode OperationNotFound = C(nameof(OperationNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode RollbackPointNotFound = C(nameof(RollbackPointNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode RollbackPointTampered = C(nameof(RollbackPointTampered), OpsErrorCategory.SecurityError);
    public static readonly OpsErrorCode NoStableRollbackPoint = C(nameof(NoStableRollbackPoint), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode SwitchRolledBack = C(nameof(SwitchRolledBack), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode SwitchRefused = C(nameof(SwitchRefused), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode SwitchAborted = C(nameof(SwitchAborted), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode DeploymentFailed = C(nameof(DeploymentFailed), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode DeploymentRolledBack = C(nameof(DeploymentRolledBack), OpsErrorCategory.InvalidResult);

    // Backups
    public static readonly OpsErrorCode BackupNotFound = C(nameof(BackupNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode BackupDamaged = C(nameof(BackupDamaged), OpsErrorCategory.InvalidData);
    public static readonly OpsErrorCode BackupUnsafe = C(nameof(BackupUnsafe), OpsErrorCategory.SecurityError);
    public static readonly OpsErrorCode BackupSourceMissing = C(nameof(BackupSourceMissing), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode BackupIo = C(nameof(BackupIo), OpsErrorCategory.WriteError);
    public static readonly OpsErrorCode BackupStoreLocked = C(nameof(BackupStoreLocked), OpsErrorCategory.ResourceBusy);
    public static readonly OpsErrorCode BackupLocked = C(nameof(BackupLocked), OpsErrorCategory.ResourceBusy);
    public static readonly OpsErrorCode RetentionKeepsNothing = C(nameof(RetentionKeepsNothing), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode DisasterRecoveryTestFailed = C(nameof(DisasterRecoveryTestFailed), OpsErrorCategory.InvalidResult);

    // Managed secrets and the vault
    public static readonly OpsErrorCode SecretNotFound = C(nameof(SecretNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode SecretNoValue = C(nameof(SecretNoValue), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode SecretNameIsPattern = C(nameof(SecretNameIsPattern), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode SecretRotationInProgress = C(nameof(SecretRotationInProgress), OpsErrorCategory.ResourceBusy);
    public static readonly OpsErrorCode SecretRequestTokenMismatch = C(nameof(SecretRequestTokenMismatch), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode SecretValueRequired = C(nameof(SecretValueRequired), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode SecretInvalidValue = C(nameof(SecretInvalidValue), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode SecretRevertIncomplete = C(nameof(SecretRevertIncomplete), OpsErrorCategory.WriteError);
    public static readonly OpsErrorCode SecretReverted = C(nameof(SecretReverted), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode SecretFailed = C(nameof(SecretFailed), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode SecretRefused = C(nameof(SecretRefused), OpsErrorCategory.InvalidResult);
    public static readonly OpsErrorCode SecretTargetFailed = C(nameof(SecretTargetFailed), OpsErrorCategory.WriteError);
    public static readonly OpsErrorCode GracePeriodInvalid = C(nameof(GracePeriodInvalid), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode OlderThanInvalid = C(nameof(OlderThanInvalid), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode VaultWrongKey = C(nameof(VaultWrongKey), OpsErrorCategory.AuthenticationError);
    public static readonly OpsErrorCode VaultKeyMissing = C(nameof(VaultKeyMissing), OpsErrorCategory.AuthenticationError);
    public static readonly OpsErrorCode VaultInvalidKey = C(nameof(VaultInvalidKey), OpsErrorCategory.AuthenticationError);
    public static readonly OpsErrorCode VaultPassphraseEmpty = C(nameof(VaultPassphraseEmpty), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode VaultTampered = C(nameof(VaultTampered), OpsErrorCategory.SecurityError);
    public static readonly OpsErrorCode VaultLoosePermissions = C(nameof(VaultLoosePermissions), OpsErrorCategory.SecurityError);
    public static readonly OpsErrorCode VaultLocked = C(nameof(VaultLocked), OpsErrorCategory.ResourceBusy);
    public static readonly OpsErrorCode VaultUnsupportedFormat = C(nameof(VaultUnsupportedFormat), OpsErrorCategory.InvalidData);
    public static readonly OpsErrorCode VaultIo = C(nameof(VaultIo), OpsErrorCategory.ReadError);

    // Logs and the runbook's checklists
    public static readonly OpsErrorCode LogNotFound = C(nameof(LogNotFound), OpsErrorCategory.ObjectNotFound);
    public static readonly OpsErrorCode LogUnreadable = C(nameof(LogUnreadable), OpsErrorCategory.ReadError);
    public static readonly OpsErrorCode LogBadPattern = C(nameof(LogBadPattern), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode LogBadRequest = C(nameof(LogBadRequest), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode SinceInvalid = C(nameof(SinceInvalid), OpsErrorCategory.InvalidArgument);
    public static readonly OpsErrorCode ReportExists = C(nameof(ReportExists), OpsErrorCategory.ResourceExists);
    public static readonly OpsErrorCode ReportNotWritten = C(nameof(ReportNotWritten), OpsErrorCategory.WriteError);

    private static readonly Lazy<IReadOnlyList<OpsErrorCode>> AllCodes = new(() => typeof(OpsErrorCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(OpsErrorCode))
        .Select(f => (OpsErrorCode)f.GetValue(null)!)
        .ToArray());

    /// <summary>Every code, in the order defined.</summary>
    public static IReadOnlyList<OpsErrorCode> All => AllCodes.Value;

    /// <summary>The code with this id (for ids made from an outcome, such as "Switch" + RolledBack).</summary>
    /// <exception cref="KeyNotFoundException">No such code: a condition was added without its code.</exception>
    public static OpsErrorCode Get(string id) =>
        All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"'{id}' is not an error code of Orchestrator.Ops; define it in OpsErrorCodes.");
}
