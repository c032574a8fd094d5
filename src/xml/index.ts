// Public entry points of the XML layer.
export {renderDomain, TARGETS, type RenderTarget} from './render.js'
export {importDomainXml, type ImportResult, type ImportedTarget} from './import.js'
export {parseXml} from './parse.js'
export {serialize} from './serialize.js'
