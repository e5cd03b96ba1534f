// Sequences on Azure: one Flex Consumption function app (.NET isolated worker with Durable
// Functions, its task hub on the app's storage account) with its storage, telemetry, email and
// delivery-report plumbing, all reached through one user-assigned managed identity. Deployed by
// `azd up` (see azure.yaml and the README, "Deploy to Azure").
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region for the resource group and the regional resources. It must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Optional: object id of a user or service principal (azd passes the signed-in one) that gets the same data roles as the app, to run it locally against these resources.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Kind of principal principalId names.')
param principalType string = 'User'

@description('Optional custom email domain, e.g. "mail.example.com". Empty: only the Azure-managed <guid>.azurecomm.net domain.')
param customEmailDomain string = ''

@description('Link the custom email domain to Communication Services. Set it only once its DNS records are verified.')
param customEmailDomainVerified bool = false

@description('Comma-separated sender user names to create on the verified custom domain, e.g. "alice,bob".')
param customEmailSenderUsernames string = ''

@description('Where Communication Services keeps email data at rest. Cannot change after creation.')
param emailDataLocation string = 'United States'

@description('Create the Event Grid webhook subscription for email delivery reports. Needs the app deployed and running (validation handshake); azure.yaml sets it after the first deploy.')
param deployEventSubscription bool = false

@secure()
@minLength(16)
@description('API key the app requires in X-Api-Key on /api routes (Api__Keys__0); Event Grid sends it too. azd generates it once per environment and keeps it.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 40
      noSpecial: true
    }
  }
})
param apiKey string

@description('Upper bound on Flex Consumption instances.')
param maximumInstanceCount int = 40

@minValue(0)
@description('Always-ready instances for the Durable Functions scale group: 0 lets it scale to zero (a step due after a quiet spell waits for a cold start); 1 keeps one instance up, billed all the time. See infra/app/functionapp.bicep.')
param durableAlwaysReadyInstances int = 0

@minValue(1)
@description('Emails the app sends a minute through Communication Services (Email__Acs__PerMinute): the subscription\'s quota, 30 until Azure raises it.')
param emailSendsPerMinute int = 30

@minValue(1)
@description('Emails the app sends an hour through Communication Services (Email__Acs__PerHour): the subscription\'s quota, 100 until Azure raises it.')
param emailSendsPerHour int = 100

var tags = {
  'azd-env-name': environmentName
}

// Globally unique resource names derive from this, stable for a subscription + environment + region.
var token = toLower(uniqueString(subscription().id, environmentName, location))
var functionAppName = 'func-${token}'

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${token}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${token}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    appPrincipalId: identity.outputs.principalId
    developerPrincipalId: principalId
    developerPrincipalType: principalType
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${token}'
    applicationInsightsName: 'appi-${token}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module communication 'app/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    emailServiceName: 'ecs-${token}'
    communicationServiceName: 'acs-${token}'
    tags: tags
    dataLocation: emailDataLocation
    customEmailDomain: customEmailDomain
    linkCustomEmailDomain: customEmailDomainVerified
    customEmailSenderUsernames: customEmailSenderUsernames
    appPrincipalId: identity.outputs.principalId
    developerPrincipalId: principalId
    developerPrincipalType: principalType
  }
}

module functionApp 'app/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    planName: 'plan-${token}'
    functionAppName: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    acsEndpoint: communication.outputs.endpoint
    apiKey: apiKey
    maximumInstanceCount: maximumInstanceCount
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    emailSendsPerMinute: emailSendsPerMinute
    emailSendsPerHour: emailSendsPerHour
  }
}

module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    topicName: 'evgt-${token}'
    tags: tags
    communicationServiceName: communication.outputs.communicationServiceName
    webhookUrl: '${functionApp.outputs.uri}api/inbound/eventgrid'
    deploySubscription: deployEventSubscription
    apiKey: apiKey
  }
}

// azd stores these in .azure/<environment>/.env. The API key is deliberately not among them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output SEQUENCES_PUBLIC_BASE_URL string = functionApp.outputs.uri
output SEQUENCES_EVENTGRID_ENDPOINT string = '${functionApp.outputs.uri}api/inbound/eventgrid'
output SEQUENCES_EVENTGRID_SUBSCRIPTION_CREATED bool = eventGrid.outputs.subscriptionCreated
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output SEQUENCES_TASK_HUB string = functionApp.outputs.taskHubName
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output EMAIL_ACS_ENDPOINT string = communication.outputs.endpoint
output EMAIL_SENDER_DOMAIN string = communication.outputs.managedSenderDomain
output EMAIL_SENDER_ADDRESS string = communication.outputs.managedSenderAddress
output EMAIL_CUSTOM_DOMAIN_VERIFICATION_RECORDS object = communication.outputs.customDomainVerificationRecords
