// <iommu model='ummu'>: the virtual UMMU (QEMU ub-ummu). openEuler's form is the bare element; the
// ubmgr form adds whether translation is nested and goes through iommufd.
import type {Ub} from '../../definition/normalize.js'
import type {UmmuDef} from '../../definition/types.js'
import {attr, child, el, type XmlElement} from '../tree.js'
import {isOn, onOff} from './values.js'

export const ummuToXml = (ub: Ub): XmlElement =>
  el('iommu', {model: 'ummu'}, [el('driver', {nested: onOff(ub.ummu.nested), iommufd: onOff(ub.ummu.iommufd)})])

export const bareUmmuXml = (): XmlElement => el('iommu', {model: 'ummu'})

export function ummuFromXml(e: XmlElement): UmmuDef | undefined {
  if (attr(e, 'model') !== 'ummu') return undefined
  const driver = child(e, 'driver')
  return driver ? {nested: isOn(attr(driver, 'nested')), iommufd: isOn(attr(driver, 'iommufd'))} : {}
}
