// The storage account behind everything (AzureWebJobsStorage): the app's tables and queues, the
// Durable Functions task hub (control and work-item queues, history/instances/partitions tables,
// lease and large-message blobs, all created by the extension at start), the Functions host's own
// blobs (keys, timer schedule status, singleton locks) and the Flex Consumption deployment package.
// Shared-key access is off, so only Entra identities with data roles get in.

param name string
param location string
param tags object

@description('Blob container that Flex Consumption deploys the app package from.')
param deploymentContainerName string

@description('Principal id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Optional user or service principal (the developer running azd) that also gets the data roles, to run the app locally against this account. Empty: none.')
param developerPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param developerPrincipalType string = 'User'

// Built-in role definition ids (same in every tenant).
var roles = {
  // Blob leases for the host's singletons and timers and the task hub's lease blobs; the task
  // hub's large messages; Flex reads the deployment package.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Queue triggers, the app's own queue writes, creating the queues and their -poison queues; the
  // task hub's control and work-item queues.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // The app's state (sequences, enrollments, …), the task hub's history, instances and partitions
  // tables, and the host's diagnostic events.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource appRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(roles): {
    name: guid(storage.id, appPrincipalId, role.value)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource developerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(roles): if (!empty(developerPrincipalId)) {
    name: guid(storage.id, developerPrincipalId, role.value)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
      principalId: developerPrincipalId
      principalType: developerPrincipalType
    }
  }
]

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'
