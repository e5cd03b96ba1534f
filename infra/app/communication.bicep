// Azure Communication Services Email: an Email Communication Service with a free Azure-managed
// domain (<guid>.azurecomm.net, usable at once, sender DoNotReply@<domain>), optionally a custom
// domain of yours, and the Communication Services resource the app sends through. The app reaches
// it with its managed identity (Email__Acs__Endpoint + Email__Acs__ClientId), never with a key.

param emailServiceName string
param communicationServiceName string
param tags object

@description('Where Communication Services keeps data at rest, e.g. "United States", "Europe", "UK". Fixed once created.')
param dataLocation string

@description('Optional custom sending domain, e.g. "mail.example.com". Created as customer-managed; it must be verified in DNS before it can be linked.')
param customEmailDomain string = ''

@description('Link the custom domain to Communication Services. Set only after its DNS records are verified: linking an unverified domain fails the deployment.')
param linkCustomEmailDomain bool = false

@description('Comma-separated sender user names to create on the custom domain once linked, e.g. "alice,bob" for alice@ and bob@ (DoNotReply exists already). The app sends From the mailbox address a user configures, which must be one of these. Azure-managed domains offer DoNotReply only.')
param customEmailSenderUsernames string = ''

@description('Principal id of the app\'s user-assigned identity, which sends the email.')
param appPrincipalId string

@description('Optional user or service principal (the developer running azd) that may also send, to run the app locally with the acs transport. Empty: none.')
param developerPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param developerPrincipalType string = 'User'

// "Communication and Email Service Owner": the built-in role that lets an Entra identity send
// email through a Communication Services resource.
var emailSenderRole = '09976791-48a7-449e-bb21-39d1a415f350'

var useCustomDomain = !empty(customEmailDomain)

resource emailService 'Microsoft.Communication/emailServices@2025-09-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2025-09-01' = {
  parent: emailService
  // Azure-managed domains must have exactly this name.
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // Tracking rewrites links and adds a pixel; sequences measure replies, not opens.
    userEngagementTracking: 'Disabled'
  }
}

resource customDomain 'Microsoft.Communication/emailServices/domains@2025-09-01' = if (useCustomDomain) {
  parent: emailService
  name: useCustomDomain ? customEmailDomain : 'unused'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'CustomerManaged'
    userEngagementTracking: 'Disabled'
  }
}

var senderUsernames = filter(map(split(customEmailSenderUsernames, ','), name => trim(name)), name => !empty(name))

resource customSenders 'Microsoft.Communication/emailServices/domains/senderUsernames@2025-09-01' = [
  for username in senderUsernames: if (useCustomDomain && linkCustomEmailDomain) {
    parent: customDomain
    name: username
    properties: {
      username: username
    }
  }
]

var linkedDomains = concat([managedDomain.id], useCustomDomain && linkCustomEmailDomain ? [customDomain.id] : [])

resource communication 'Microsoft.Communication/communicationServices@2025-09-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: linkedDomains
    // Access keys and connection strings off: only Entra identities with a role can send. To use
    // the key-based Email__Acs__ConnectionString instead, this would have to be false.
    disableLocalAuth: true
  }
}

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, appPrincipalId, emailSenderRole)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', emailSenderRole)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource developerSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  name: guid(communication.id, developerPrincipalId, emailSenderRole)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', emailSenderRole)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
  }
}

output communicationServiceName string = communication.name
output communicationServiceId string = communication.id
output endpoint string = 'https://${communication.properties.hostName}'
@description('The Azure-managed sender domain, <guid>.azurecomm.net.')
output managedSenderDomain string = managedDomain.properties.fromSenderDomain
@description('The address the Azure-managed domain can send from without further setup.')
output managedSenderAddress string = 'DoNotReply@${managedDomain.properties.fromSenderDomain}'
@description('The custom domain\'s DNS records to create before linking it (empty when none).')
output customDomainVerificationRecords object = useCustomDomain ? customDomain!.properties.verificationRecords : {}
