// The Flex Consumption plan and the function app. Sequences.Functions runs as a custom handler
// (runtime "custom" 1.0): host.json names the executable, which is published self-contained for
// linux-x64 because the custom runtime brings no .NET. Every connection uses the user-assigned
// identity; there are no keys in the settings below, only endpoints and the identity's client id.

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
      }
      // On Flex the runtime is set here; FUNCTIONS_WORKER_RUNTIME is not allowed as a setting.
      runtime: {
        name: 'custom'
        version: '1.0'
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
    // Storage through the identity. The host needs blob (leases, timer locks), the triggers queue,
    // the app queue + table (functions/Sequences.Storage/StorageConnection.cs).
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint

    // Telemetry from both the Functions host and the app, authenticated with the identity.
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
