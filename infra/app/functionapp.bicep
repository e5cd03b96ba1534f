// The Flex Consumption plan and the function app. Sequences.Functions is an Azure Functions .NET
// isolated worker (runtime "dotnet-isolated"; the Flex image brings the .NET runtime, so the package
// is a plain framework-dependent `dotnet publish`) with Durable Functions on the Azure Storage
// backend: each enrollment is an orchestration in a task hub on the app's own storage account.
// Every connection uses the user-assigned identity; there are no keys in the settings below, only
// endpoints and the identity's client id.

param planName string
param functionAppName string
param location string
param tags object

@description('azd finds the app to deploy to by this tag value; it must match the service name in azure.yaml.')
param serviceName string = 'api'

param identityId string
param identityClientId string

param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerUrl string

param applicationInsightsConnectionString string

@description('Communication Services endpoint, https://<name>.communication.azure.com.')
param acsEndpoint string

@secure()
@description('Key every /api call must send in X-Api-Key (Api__Keys__0).')
param apiKey string

@description('Upper bound on instances Flex Consumption scales out to; caps cost under a burst. The platform sets its own lower limit for this value.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Email__Acs__PerMinute: sends a minute each instance allows itself.')
@minValue(1)
param emailSendsPerMinute int = 30

@description('Email__Acs__PerHour: sends an hour each instance allows itself.')
@minValue(1)
param emailSendsPerHour int = 100

@description('Memory per instance.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

// Always-ready instances for the "durable" scale group. Flex scales the HTTP functions, the
// Durable functions (orchestrators and activities) and every other trigger as separate groups.
// With 0 the durable group scales to zero: when a durable timer comes due (an enrollment's next
// step), the platform's scale controller, which watches the task hub's control queues, has to
// see the message and cold-start an instance, which takes its partition leases before the
// orchestration runs; the step starts late by that much. With 1 an instance is always up and
// polling, and a due timer waits at most the extension's polling back-off (maxQueuePollingInterval
// in host.json). Microsoft's Durable Functions guidance for Flex recommends 1. But an always-ready
// instance is billed for its memory every second, busy or not, while on-demand instances cost
// nothing idle. Steps are hours or days apart, so the default is 0: a late start of seconds is
// cheaper than a standing instance. Set SEQUENCES_DURABLE_ALWAYS_READY=1 where steps must leave on
// time after quiet periods.
//
// More than a few rarely pays: the task hub has partitionCount control queues (4, host.json), each
// owned by one instance at a time, so at most 4 instances run orchestrator code at once however far
// the app scales; further instances only take activities (the step runs) from the shared work-item
// queue, which on-demand instances do as well.
@description('Always-ready instances for the Durable Functions scale group ("durable"). 0: scale to zero, billed only while executing.')
@minValue(0)
param durableAlwaysReadyInstances int = 0

// Storage:Prefix, the name stem of the app's tables and queues and of the task hub (see the setting).
var storagePrefix = 'sequences'

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux: Flex Consumption has no Windows workers.
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // See durableAlwaysReadyInstances above. No entry at all for 0 (the platform's default);
        // the list is the whole always-ready configuration, so going back to 0 removes an earlier 1.
        alwaysReady: durableAlwaysReadyInstances > 0
          ? [
              {
                name: 'durable'
                instanceCount: durableAlwaysReadyInstances
              }
            ]
          : []
      }
      // On Flex the runtime is set here; FUNCTIONS_WORKER_RUNTIME is not allowed as a setting. The
      // version is the project's target framework (net10.0); Flex lists dotnet-isolated 10.0
      // (`az functionapp list-flexconsumption-runtimes --location <region> --runtime dotnet-isolated`).
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
    }
  }
}

// Set apart from the site so they can name the site's own host name (a resource cannot refer
// to itself). This list is the app's whole configuration: settings not listed here are removed.
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Storage through the identity, for three users of the one account: the Functions host (blob:
    // keys, timer schedule status and singleton locks; queues: the queue triggers), the Durable
    // Functions task hub, which takes the same connection (queues: control and work items; tables:
    // history, instances, partitions; blob: leases and large messages), and the app's own tables
    // and queues (functions/Sequences.Storage/StorageConnection.cs). storage.bicep grants the roles.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint

    // Storage:Prefix names everything the app keeps in the account: its tables and queues, the
    // queue triggers (%Storage:Prefix%-inbound, -bounces, -operations) and the task hub (host.json:
    // durableTask hubName %Storage:Prefix%). The host resolves those %…% names from app settings,
    // so it must be set here even though the app has the same default. Changing it later starts
    // on empty tables and an empty task hub; the old ones stay behind under the old name.
    Storage__Prefix: storagePrefix

    // Telemetry from both the Functions host and the worker, authenticated with the identity.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'

    // Email through Communication Services with the identity. The From address of each message
    // comes from the user's mailbox in the app and must be a sender of a linked domain.
    Email__Transport: 'acs'
    Email__Acs__Endpoint: acsEndpoint
    Email__Acs__ClientId: identityClientId
    Email__Acs__PerMinute: string(emailSendsPerMinute)
    Email__Acs__PerHour: string(emailSendsPerHour)

    // Base of the links the app puts in email (unsubscribe).
    Sequences__PublicBaseUrl: 'https://${site.properties.defaultHostName}/'

    Api__Keys__0: apiKey
  }
}

// No publishing user names or passwords: azd deploys with an Entra token.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output hostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}/'
@description('The Durable Functions task hub: host.json names it after Storage:Prefix.')
output taskHubName string = storagePrefix
